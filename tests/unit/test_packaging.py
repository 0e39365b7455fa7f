"""What the image installs (`pip install .`, not editable) holds all of Ordino: every
package with its templates and static files, not just what an editable install finds."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _ours(path: Path) -> bool:
    return not any(part.startswith(".") or part in {"tests", "bench", "build"} for part in path.parts)


def test_every_package_is_listed():
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in ROOT.rglob("__init__.py")
        if _ours(init.relative_to(ROOT)) and init.parent != ROOT
    }
    assert found - set(CONFIG["packages"]) == set()


def test_every_file_a_package_reads_is_package_data():
    """Templates, static files and the like: what is in a package folder but not Python."""
    missing = []
    for package in CONFIG["packages"]:
        folder = ROOT / package.replace(".", "/")
        patterns = CONFIG.get("package-data", {}).get(package, [])
        for path in folder.rglob("*"):
            relative = path.relative_to(folder)
            # A file inside a package of its own is that package's to list.
            inner = any(
                f"{package}.{'.'.join(p.parts)}" in CONFIG["packages"] for p in list(relative.parents)[:-1]
            )
            if path.is_dir() or path.suffix in {".py", ".pyc"} or "__pycache__" in path.parts or inner:
                continue
            if not any(fnmatch.fnmatch(str(relative), p) for p in patterns):
                missing.append(f"{package}: {relative}")
    assert missing == []
