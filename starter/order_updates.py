"""Sending an update to an order's (or a return's) workflow from the API or the CLI: a
refusal becomes its coded error, a closed workflow the error the caller says it means, and
an update the workflow never answered a retryable 503."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from db import order_views
from db.engine import Database
from domain.errors import ErrorCode, OrdinoError
from starter.intake import business_error

T = TypeVar("T")
SEND_AGAIN = "send it again as it was: an update is made once"


async def order_must_exist(db: Database, order_id: str) -> None:
    def exists() -> bool:
        with db.reader() as s:
            return order_views.order_exists(s, order_id)

    if not await run_in_threadpool(exists):
        raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")


async def _running(handle: WorkflowHandle[Any, Any]) -> bool:
    try:
        return (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return False  # gone past its retention: closed long ago
        raise


async def updated(
    handle: WorkflowHandle[Any, Any], call: Callable[[], Awaitable[T]], closed: OrdinoError
) -> T:
    """Run an update of the handle's workflow; its refusal becomes a coded error, a closed
    workflow `closed`, and an update lost or unanswered in time a 503 to send again."""
    details = {"workflow_id": handle.id}
    try:
        return await call()
    except WorkflowUpdateFailedError as err:
        raise business_error(err) from err
    except WorkflowUpdateRPCTimeoutOrCancelledError as err:
        raise OrdinoError(
            ErrorCode.UPDATE_TIMEOUT, f"The workflow did not answer in time; {SEND_AGAIN}", details
        ) from err
    except RPCError as err:
        if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise
        # The server says the same of an update to a closed workflow and of one it lost
        # (its workflow task thrown away by a crash): only the workflow's state tells.
        if await _running(handle):
            raise OrdinoError(
                ErrorCode.UPDATE_LOST, f"The workflow lost the update; {SEND_AGAIN}", details
            ) from err
        raise closed from err
