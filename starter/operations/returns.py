"""Return commands shared by the API and the CLI. Requesting a return is an update of the
order's workflow (which checks the return window and the quantities); deciding and
receiving are updates of the return's own workflow. Each happens whole, or is refused
with a code and changes nothing."""

from __future__ import annotations

from temporalio.client import Client

from contracts.ids import return_update_id, return_workflow_id
from db import return_views as views
from db.engine import Database
from domain.errors import ErrorCode, OrdinoError
from domain.returns import Decision, ReceiveReturn, ReturnRequest
from starter.operations.sessions import read_one
from starter.operations.updates import send_update, update_order
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow


async def view(db: Database, return_id: str) -> views.ReturnView:
    missing = OrdinoError(ErrorCode.RETURN_NOT_FOUND, f"No return {return_id}", {"return_id": return_id})
    return await read_one(db, missing, views.return_view, return_id)


async def request(client: Client, db: Database, order_id: str, body: ReturnRequest) -> views.ReturnView:
    closed = OrdinoError(
        ErrorCode.RETURN_WINDOW_CLOSED, f"Order {order_id} is closed: its return window is over"
    )
    return_id: str = await update_order(
        client, db, order_id, OrderWorkflow.request_return, body, closed,
        update_id=return_update_id(body.reference), result_type=str,
    )  # fmt: skip
    return await view(db, return_id)


async def decide(client: Client, db: Database, return_id: str, decision: Decision) -> views.ReturnView:
    before = await view(db, return_id)
    handle = client.get_workflow_handle(return_workflow_id(return_id))
    closed = OrdinoError(ErrorCode.ILLEGAL_TRANSITION, f"Return {return_id} is {before.status}")
    await send_update(handle, ReturnWorkflow.decide, decision, closed)
    return await view(db, return_id)


async def receive(client: Client, db: Database, return_id: str, receipt: ReceiveReturn) -> views.ReturnView:
    """Answers once the refund or the replacement is done."""
    before = await view(db, return_id)
    handle = client.get_workflow_handle(return_workflow_id(return_id))
    closed = OrdinoError(ErrorCode.ILLEGAL_TRANSITION, f"Return {return_id} is {before.status}")
    await send_update(handle, ReturnWorkflow.receive, receipt, closed)
    return await view(db, return_id)
