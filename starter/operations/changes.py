"""Edits and cancellations, shared by the API and the CLI: each is an update of the order's
workflow, refused with a code (and nothing changed) when the order's stage does not allow it."""

from __future__ import annotations

from temporalio.client import Client

from contracts.ids import cancel_update_id, change_update_id
from db import order_views
from db.engine import Database
from domain.changes import Cancellation, CancellationOutcome, ChangeOutcome, OrderChange
from domain.errors import ErrorCode, OrdinoError
from domain.status import OrderStatus
from starter.operations.sessions import read
from starter.operations.updates import update_order
from workflows.order import OrderWorkflow


def _closed(order_id: str) -> OrdinoError:
    return OrdinoError(
        ErrorCode.ORDER_CLOSED, f"Order {order_id} is closed: changes are over; returns go through its window"
    )


async def change(client: Client, db: Database, order_id: str, body: OrderChange) -> ChangeOutcome:
    # A preview and the change it previews are two updates: ids must differ, or the server
    # would answer the change with the preview it remembers.
    update_id = change_update_id(body.reference, body.preview)
    outcome: ChangeOutcome = await update_order(
        client, db, order_id, OrderWorkflow.change, body, _closed(order_id),
        update_id=update_id, result_type=ChangeOutcome,
    )  # fmt: skip
    return outcome


async def cancel(client: Client, db: Database, order_id: str, body: Cancellation) -> CancellationOutcome:
    try:
        outcome: CancellationOutcome = await update_order(
            client, db, order_id, OrderWorkflow.cancel, body, _closed(order_id),
            update_id=cancel_update_id(body.reference), result_type=CancellationOutcome,
        )  # fmt: skip
        return outcome
    except OrdinoError as err:
        # Sent again after its answer was lost (the workflow task it ran in was thrown away),
        # to an order that finished the cancellation meanwhile: its answer is in the database.
        if err.code is not ErrorCode.ORDER_CLOSED or body.lines is not None:
            raise
        refunded = await read(db, order_views.cancelled_by, order_id, body.reference)
        if refunded is None:
            raise
        return CancellationOutcome(reference=body.reference, status=OrderStatus.CANCELLED, refunded=refunded)
