"""The worker and the entry points stand apart: worker.py, runtime/ and providers/ import
nothing of starter/, and starter/ reaches worker.py only to launch it (`ordino worker`).
What both need lives in runtime/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The one place the entry points name the worker: the command that runs it.
LAUNCHER = "starter/cli/processes.py"


def imported(path: Path) -> set[str]:
    """Every module a file imports, lazily (inside a function) or not."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(*roots: str) -> list[Path]:
    return [p for r in roots for p in ([ROOT / r] if r.endswith(".py") else (ROOT / r).rglob("*.py"))]


def is_in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_worker_runtime_and_providers_import_no_entry_point() -> None:
    offending = {
        str(path.relative_to(ROOT)): sorted(m for m in imported(path) if is_in(m, "starter"))
        for path in sources("worker.py", "runtime", "providers")
    }
    assert {p: m for p, m in offending.items() if m} == {}


def test_the_entry_points_reach_the_worker_only_to_launch_it() -> None:
    importing = {str(path.relative_to(ROOT)) for path in sources("starter") if "worker" in imported(path)}
    assert importing == {LAUNCHER}
