"""Edits and cancellations, shared by the API and the CLI: each is an update of the order's
workflow, refused with a code (and nothing changed) when the order's stage does not allow it."""

from __future__ import annotations

from decimal import Decimal

from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from db import order_views
from db.engine import Database
from domain.changes import Cancellation, CancellationOutcome, ChangeOutcome, OrderChange
from domain.errors import ErrorCode, OrdinoError
from domain.orders import workflow_id_for
from domain.status import OrderStatus
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
    try:
        return await updated(
            handle,
            lambda: handle.execute_update(
                OrderWorkflow.cancel, body, id=f"cancel:{body.reference}", result_type=CancellationOutcome
            ),
            _closed(order_id),
        )
    except OrdinoError as err:
        # Sent again after its answer was lost (the workflow task it ran in was thrown away),
        # to an order that finished the cancellation meanwhile: its answer is in the database.
        if err.code is not ErrorCode.ORDER_CLOSED or body.lines is not None:
            raise
        refunded = await run_in_threadpool(_cancelled_by, db, order_id, body.reference)
        if refunded is None:
            raise
        return CancellationOutcome(reference=body.reference, status=OrderStatus.CANCELLED, refunded=refunded)


def _cancelled_by(db: Database, order_id: str, reference: str) -> Decimal | None:
    with db.reader() as s:
        return order_views.cancelled_by(s, order_id, reference)
