"""A goodwill refund, shared by the API and the CLI: an update of the order's workflow that
happens whole, or is refused with a code and changes nothing."""

from __future__ import annotations

from temporalio.client import Client

from contracts.ids import refund_update_id
from contracts.refunds import RefundOutcome
from db.engine import Database
from domain.access import Principal, Role
from domain.errors import ErrorCode, OrdinoError
from domain.orders import RefundRequest
from settings import Settings
from starter.operations.updates import update_order
from workflows.order import OrderWorkflow


def with_limit(body: RefundRequest, principal: Principal, settings: Settings) -> RefundRequest:
    """The refund as the principal may grant it: by them, and within support's limit on the
    goodwill an order gets in all (finance has none). A limit the caller sent is not used."""
    limit = settings.support_refund_limit if principal.role is Role.SUPPORT else None
    return body.model_copy(update={"actor": principal.actor, "limit": limit})


async def refund(client: Client, db: Database, order_id: str, body: RefundRequest) -> RefundOutcome:
    closed = OrdinoError(ErrorCode.ORDER_CLOSED, f"Order {order_id} is closed; refunds go through returns")
    outcome: RefundOutcome = await update_order(
        client, db, order_id, OrderWorkflow.refund, body, closed,
        update_id=refund_update_id(body.reference, body.amount), result_type=RefundOutcome,
    )  # fmt: skip
    return outcome
