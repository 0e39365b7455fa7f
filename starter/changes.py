"""Edits and cancellations, shared by the API and the CLI: each is an update of the order's
workflow, refused with a code (and nothing changed) when the order's stage does not allow it."""

from __future__ import annotations

from temporalio.client import Client

from db.engine import Database
from domain.changes import Cancellation, CancellationOutcome, ChangeOutcome, OrderChange
from domain.errors import ErrorCode, OrdinoError
from domain.orders import workflow_id_for
from starter.order_updates import order_must_exist, updated
from workflows.order import OrderWorkflow


def _closed(order_id: str) -> OrdinoError:
    return OrdinoError(
        ErrorCode.ORDER_CLOSED, f"Order {order_id} is closed: changes are over; returns go through its window"
    )


async def change(client: Client, db: Database, order_id: str, body: OrderChange) -> ChangeOutcome:
    await order_must_exist(db, order_id)
    handle = client.get_workflow_handle(workflow_id_for(order_id))
    # A preview and the change it previews are two updates: ids must differ, or the server
    # would answer the change with the preview it remembers.
    update_id = f"change:{body.reference}:{'preview' if body.preview else 'apply'}"
    return await updated(
        handle,
        lambda: handle.execute_update(OrderWorkflow.change, body, id=update_id, result_type=ChangeOutcome),
        _closed(order_id),
    )


async def cancel(client: Client, db: Database, order_id: str, body: Cancellation) -> CancellationOutcome:
    await order_must_exist(db, order_id)
    handle = client.get_workflow_handle(workflow_id_for(order_id))
    return await updated(
        handle,
        lambda: handle.execute_update(
            OrderWorkflow.cancel, body, id=f"cancel:{body.reference}", result_type=CancellationOutcome
        ),
        _closed(order_id),
    )
