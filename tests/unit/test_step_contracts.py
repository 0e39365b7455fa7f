"""Workflows call activities by the steps in contracts/: each step must name a registered
activity that takes and answers exactly what the step says, or a workflow would send the
wrong input or read the answer as the wrong type; and every activity has its step."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from typing import Any

import contracts
from contracts.step import Step
from db.engine import Database
from settings import Settings
from worker import activities_for


def _steps() -> dict[str, tuple[Step[Any, Any], tuple[Any, Any]]]:
    found = {}
    for info in pkgutil.iter_modules(contracts.__path__):
        module = importlib.import_module(f"contracts.{info.name}")
        hints = typing.get_type_hints(module)
        for name, value in vars(module).items():
            if isinstance(value, Step):
                found[value.name] = (value, typing.get_args(hints[name]))
    return found


def _activities() -> dict[str, Any]:
    # Nothing connects: the engine is lazy, and only the methods' definitions are read.
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        bound = activities_for(db, Settings())
        return {fn.__temporal_activity_definition.name: fn for fn in bound}
    finally:
        db.dispose()


def test_every_step_is_an_activity_with_its_input_and_output():
    steps, activities = _steps(), _activities()
    assert sorted(steps) == sorted(activities)
    for name, (step, (declared_in, declared_out)) in steps.items():
        hints = typing.get_type_hints(activities[name])
        answer = hints.pop("return")
        [takes] = hints.values()
        assert (step.input, declared_in) == (takes, takes), name
        assert declared_out == answer, name
        assert step.output == (type(None) if answer is type(None) else answer), name
