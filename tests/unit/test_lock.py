"""The lock files pin what pyproject.toml asks for: every package at one version its floor
allows, the runtime's versions the same as the tests', and these tests run on exactly them."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
TEST = RUNTIME + [Requirement(r) for r in PROJECT["optional-dependencies"]["test"]]


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    entries = [line for line in lines if line and not line.startswith("#")]
    assert all(line.count("==") == 1 and " " not in line for line in entries), f"{name} is not all pins"
    return {canonicalize_name(n): v for n, v in (line.split("==") for line in entries)}


@pytest.mark.parametrize(
    ("lock", "required"), [("requirements.lock", RUNTIME), ("requirements-test.lock", TEST)]
)
def test_each_lock_pins_what_pyproject_requires_within_its_floors(lock, required):
    pinned = pins(lock)
    for req in required:
        name = canonicalize_name(req.name)
        assert name in pinned, f"{lock} does not pin {req}: run scripts/lock.sh {req.name}"
        assert req.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {req}: run scripts/lock.sh {req.name}"
        )


def test_the_runtime_runs_the_versions_the_tests_ran():
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert {name: test.get(name) for name in runtime} == runtime


def test_these_tests_run_on_the_locked_versions():
    installed = {name: version(name) for name in pins("requirements-test.lock")}
    assert installed == pins("requirements-test.lock"), "install with scripts/venv.sh test"
