"""A call into db/ from async code (the API's routes, the operations): in a session of its
own (one that commits nothing, or one transaction), on a worker thread so the event loop keeps serving.
Written once here instead of a nested function and a thread hop in every route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from db.engine import Database
from domain.errors import OrdinoError

P = ParamSpec("P")
T = TypeVar("T")


async def read(
    db: Database, query: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """What query(session, *args) answers, in a session that commits nothing."""

    def run() -> T:
        with db.reader() as s:
            return query(s, *args, **kwargs)

    return await run_in_threadpool(run)


async def read_one(
    db: Database,
    missing: OrdinoError,
    query: Callable[Concatenate[Session, P], T | None],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """What query answers, or `missing` raised when it finds nothing (the route's 404)."""
    found = await read(db, query, *args, **kwargs)
    if found is None:
        raise missing
    return found


async def write(
    db: Database, command: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """What command(session, *args) answers, in one transaction: committed, or rolled back
    when it raises."""

    def run() -> T:
        with db.transaction() as s:
            return command(s, *args, **kwargs)

    return await run_in_threadpool(run)
