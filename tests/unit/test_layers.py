"""The layers of docs/architecture.md, as imports: the domain is pure, contracts are the
domain's words for what workflows and activities exchange, workflows orchestrate through
contracts only (nothing of the database, providers or settings enters the sandbox), and
effects never reach back into orchestration or entry points."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {
    "domain",
    "contracts",
    "workflows",
    "activities",
    "db",
    "providers",
    "starter",
    "worker",
    "settings",
    "logs",
}
ALLOWED = {
    "domain": set(),
    "contracts": {"domain"},
    "workflows": {"contracts", "domain"},
    "db": {"domain"},
    "activities": {"contracts", "db", "domain", "providers", "settings"},
}


def imported(package: str) -> dict[str, set[str]]:
    """Each of our top-level packages a package's modules import, with the modules that do."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top in OURS and top != package:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(package: str):
    wrong = {
        dep: sorted(modules) for dep, modules in imported(package).items() if dep not in ALLOWED[package]
    }
    assert wrong == {}, f"{package} may import only {sorted(ALLOWED[package])}"


def test_no_test_module_imports_another():
    """Shared drivers and bodies live in tests/support/, so each test module stands alone."""
    wrong = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                leaf = node.module.split(".")[-1]
                if node.module.startswith("tests.") and (leaf.startswith("test_") or leaf == "conftest"):
                    wrong.setdefault(str(path.relative_to(ROOT)), []).append(node.module)
    assert wrong == {}
