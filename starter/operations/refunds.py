"""A goodwill refund, shared by the API and the CLI: an update of the order's workflow that
happens whole, or is refused with a code and changes nothing."""

from __future__ import annotations

from temporalio.client import Client

from contracts.ids import refund_update_id
from contracts.refunds import RefundOutcome
from db.engine import Database
from domain.errors import ErrorCode, OrdinoError
from domain.orders import RefundRequest
from starter.operations.updates import update_order
from workflows.order import OrderWorkflow


async def refund(client: Client, db: Database, order_id: str, body: RefundRequest) -> RefundOutcome:
    closed = OrdinoError(ErrorCode.ORDER_CLOSED, f"Order {order_id} is closed; refunds go through returns")
    outcome: RefundOutcome = await update_order(
        client, db, order_id, OrderWorkflow.refund, body, closed,
        update_id=refund_update_id(body.reference, body.amount), result_type=RefundOutcome,
    )  # fmt: skip
    return outcome
