"""The Temporal server binaries come from PyPI wheels installed next to this Python; nothing
is downloaded at run time."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found; install the project (pip install -e '.[test]')")
    return found


def temporal_cli() -> str:
    return binary("temporal")


def temporal_test_server() -> str:
    return binary("temporal-test-server")
