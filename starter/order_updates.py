"""Sending an update to an order's (or a return's) workflow from the API or the CLI: a
refusal becomes its coded error, a closed workflow the error the caller says it means."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from db import order_views
from db.engine import Database
from domain.errors import ErrorCode, OrdinoError
from starter.intake import business_error

T = TypeVar("T")


async def order_must_exist(db: Database, order_id: str) -> None:
    def exists() -> bool:
        with db.reader() as s:
            return order_views.order_exists(s, order_id)

    if not await run_in_threadpool(exists):
        raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")


async def updated(call: Callable[[], Awaitable[T]], closed: OrdinoError) -> T:
    """Run an update; its refusal becomes a coded error, a closed workflow `closed`."""
    try:
        return await call()
    except WorkflowUpdateFailedError as err:
        raise business_error(err) from err
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise closed from err
        raise
