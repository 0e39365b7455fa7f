"""Activities as workflows see them: a name, what it takes and what it answers. Workflows
call steps through these, so they import neither the activities nor what those use
(SQLAlchemy, providers, settings), and every call is typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class Step(Generic[In, Out]):
    name: str
    input: type[In]
    # A type, or a type expression such as list[Fulfillment] or TrackingRecorded | None.
    output: Any
