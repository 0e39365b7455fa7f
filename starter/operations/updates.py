"""Sending an update to an order's (or a return's) workflow from the API or the CLI: a
refusal becomes its coded error, a closed workflow the error the caller says it means, and
an update the workflow never answered a retryable 503."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from contracts.ids import order_workflow_id
from db import order_views
from db.engine import Database
from domain.errors import ErrorCode, OrdinoError
from starter.operations.sessions import read

T = TypeVar("T")
SEND_AGAIN = "send it again as it was: an update is made once"


def business_error(err: WorkflowUpdateFailedError) -> Exception:
    """The coded business error behind a refused or failed update, for the caller's answer."""
    cause: BaseException | None = err.cause
    while isinstance(cause, ActivityError):  # refused inside the update's activity
        cause = cause.cause
    if (
        isinstance(cause, ApplicationError)
        and cause.type is not None
        and cause.type in ErrorCode.__members__.values()
    ):
        details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        return OrdinoError(ErrorCode(cause.type), cause.message, details)
    return err


async def order_must_exist(db: Database, order_id: str) -> None:
    if not await read(db, order_views.order_exists, order_id):
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


async def send_update(
    handle: WorkflowHandle[Any, Any],
    update: Any,
    arg: Any,
    closed: OrdinoError,
    *,
    update_id: str | None = None,
    result_type: type | None = None,
) -> Any:
    """Send `update` with `arg` to the handle's workflow, answered as updated() says. The
    update id makes it idempotent: the server answers a repeat with the first outcome."""
    return await updated(
        handle, lambda: handle.execute_update(update, arg, id=update_id, result_type=result_type), closed
    )


async def update_order(
    client: Client,
    db: Database,
    order_id: str,
    update: Any,
    arg: Any,
    closed: OrdinoError,
    *,
    update_id: str,
    result_type: type | None = None,
) -> Any:
    """Send an update to a known order's workflow: `order_not_found` for an order that was
    never accepted, `closed` for one whose workflow has ended."""
    await order_must_exist(db, order_id)
    handle = client.get_workflow_handle(order_workflow_id(order_id))
    return await send_update(handle, update, arg, closed, update_id=update_id, result_type=result_type)
