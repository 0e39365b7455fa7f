"""The order workflow on the time-skipping test server: the 30-day return window passes in
no real time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from db.models import CustomerNotification, Invoice, OrderEvent, Payment, Shipment, StockLevel
from domain.orders import BackorderPolicy, OrderStart, PackConfirmation, PlaceOrder, workflow_id_for
from domain.status import OrderStatus
from domain.tracking import TrackingEvent, TrackingStatus
from starter.operations.intake import initial_search_attributes
from tests.orders import COMPLETED_TIMELINE, order_body
from tests.support.histories import record_history
from workflows.order import OrderWorkflow
from workflows.search_attributes import ORDER_ID, ORDER_STATUS


async def start_order(
    env,
    request: PlaceOrder,
    return_window=timedelta(days=30),
    backorder_policy=BackorderPolicy.CANCEL,
    start_overrides: dict | None = None,
) -> WorkflowHandle:
    client, task_queue = env[0].client, env[1]
    return await client.start_workflow(
        OrderWorkflow.run,
        OrderStart(
            order_id=request.order_id,
            channel=request.channel,
            external_id=request.external_id,
            customer_id=request.customer.id,
            acceptance_timeout=timedelta(minutes=5),
            return_window=return_window,
            backorder_policy=backorder_policy,
            **(start_overrides or {}),
        ),
        id=workflow_id_for(request.order_id),
        task_queue=task_queue,
        search_attributes=initial_search_attributes(request),
    )


BEFORE_SHIPPING = {
    OrderStatus.ACCEPTED,
    OrderStatus.AUTHORIZED,
    OrderStatus.CAPTURED,
    OrderStatus.INVOICED,
    OrderStatus.ON_HOLD,
}


async def pack(handle: WorkflowHandle, warehouse: str):
    return await handle.execute_update(
        OrderWorkflow.confirm_packed, PackConfirmation(warehouse=warehouse), id=f"packed-{warehouse}"
    )


async def pack_parcels(handle: WorkflowHandle) -> list[str]:
    """Wait until the warehouses are picking the order, then confirm every parcel packed."""
    for _ in range(200):
        packing = (await handle.query(OrderWorkflow.progress)).packing
        if packing:
            for warehouse in packing:
                await pack(handle, warehouse)
            return packing
        await asyncio.sleep(0.05)
    raise AssertionError("nothing is being packed")


async def wait_for_parcels(
    handle: WorkflowHandle, pack_parcels: bool = True, until_shipped: bool = True
) -> list[str]:
    """The warehouses pack the order (unless told not to), then every parcel is booked (or,
    with until_shipped=False, only the packing). No timer stands in between; poll."""
    for _ in range(400):
        progress = await handle.query(OrderWorkflow.progress)
        if pack_parcels and progress.packing:
            for warehouse in progress.packing:
                await pack(handle, warehouse)
            if not until_shipped:
                return []
        elif progress.parcels and progress.status not in BEFORE_SHIPPING:
            return sorted(progress.parcels)
        await asyncio.sleep(0.05)
    raise AssertionError("no parcel was booked")


async def deliver_all(*handles: WorkflowHandle) -> OrderStatus:
    """Pack and deliver every parcel of these orders and let them run to their end. Awaiting a
    result lets the server skip time: an order still waiting for its warehouse then would
    skip to its execution timeout, so every order is shipped and delivered first."""
    for handle in handles:
        for tn in await wait_for_parcels(handle):
            await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    outcomes = {(await handle.result()).status for handle in handles}
    assert len(outcomes) == 1, outcomes
    return outcomes.pop()


def tracking(tn: str, n: int, status: TrackingStatus) -> TrackingEvent:
    from datetime import UTC, datetime

    return TrackingEvent(
        event_id=f"{tn}-{n}",
        tracking_number=tn,
        status=status,
        occurred_at=datetime(2026, 11, 27, 8 + n, tzinfo=UTC),
    )


def stock_of(db, sku: str) -> dict[str, tuple[int, int]]:
    with db.reader() as s:
        rows = s.execute(
            select(StockLevel.warehouse, StockLevel.on_hand, StockLevel.reserved).where(StockLevel.sku == sku)
        ).all()
    return {wh: (on_hand, reserved) for wh, on_hand, reserved in rows}


async def test_order_travels_the_whole_lifecycle(env, db, catalog):
    sku = catalog({"MIL": 5}, price="12.20")
    request = PlaceOrder.model_validate(order_body([(sku, 2)]))
    handle = await start_order(env, request)

    accepted = await handle.execute_update(OrderWorkflow.accept, request, id="accept")
    # 2 x 12.20 incl. 22% IT VAT, plus 4.90 shipping incl. VAT.
    assert accepted.quote.grand_total == Decimal("29.30")
    assert accepted.quote.lines[0].tax == Decimal("4.40")
    assert accepted.quote.tax_total == accepted.quote.lines[0].tax + accepted.quote.shipping.tax
    assert [(r.warehouse, r.quantity) for r in accepted.reservations] == [("MIL", 2)]
    on_hand, reserved = stock_of(db, sku)["MIL"]
    assert on_hand - reserved == 3  # reserved now, or already shipped: either way not for sale

    [tn] = await wait_for_parcels(handle)
    # Events arrive twice and out of order; neither may move the parcel backwards.
    for n, status in [
        (0, TrackingStatus.PICKED_UP),
        (1, TrackingStatus.IN_TRANSIT),
        (1, TrackingStatus.IN_TRANSIT),
        (2, TrackingStatus.OUT_FOR_DELIVERY),
    ]:
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, n, status))
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 9, TrackingStatus.PICKED_UP))
    before = await env[0].get_current_time()
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))

    outcome = await handle.result()
    assert outcome.status is OrderStatus.COMPLETED
    assert await env[0].get_current_time() - before >= timedelta(days=30)

    with db.reader() as s:
        events = [
            e.type
            for e in s.scalars(
                select(OrderEvent).where(OrderEvent.order_id == request.order_id).order_by(OrderEvent.id)
            )
        ]
        payments = s.execute(
            select(Payment.operation, Payment.status, Payment.amount)
            .where(Payment.order_id == request.order_id)
            .order_by(Payment.id)
        ).all()
        invoice = s.scalars(select(Invoice).where(Invoice.order_id == request.order_id)).one()
        shipment = s.scalars(select(Shipment).where(Shipment.order_id == request.order_id)).one()
    assert events == COMPLETED_TIMELINE
    assert payments == [
        ("authorize", "approved", Decimal("29.30")),
        ("capture", "approved", Decimal("29.30")),
    ]
    assert invoice.grand_total == Decimal("29.30") and invoice.number.startswith("INV-")
    assert shipment.status == "delivered" and shipment.tracking_number == tn
    assert stock_of(db, sku) == {"MIL": (3, 0)}  # shipped: out of stock on hand, no longer reserved

    desc = await handle.describe()
    assert desc.typed_search_attributes.get(ORDER_STATUS) == "completed"
    assert desc.typed_search_attributes.get(ORDER_ID) == request.order_id
    await record_history(handle, "order_completed")


async def test_declined_payment_cancels_and_gives_the_stock_back(env, db, catalog):
    sku = catalog({"MIL": 3})
    request = PlaceOrder.model_validate(order_body([(sku, 3)], payment_token="tok_declined"))
    handle = await start_order(env, request)
    await handle.execute_update(OrderWorkflow.accept, request, id="accept")

    outcome = await handle.result()
    assert outcome.status is OrderStatus.CANCELLED
    assert outcome.reason == "payment declined: card_declined"
    assert stock_of(db, sku) == {"MIL": (3, 0)}
    with db.reader() as s:
        events = [
            e.type
            for e in s.scalars(
                select(OrderEvent).where(OrderEvent.order_id == request.order_id).order_by(OrderEvent.id)
            )
        ]
    assert events == ["order_accepted", "payment_declined", "order_cancelled", "customer_notified"]
    with db.reader() as s:
        [mail] = s.scalars(
            select(CustomerNotification).where(CustomerNotification.order_id == request.order_id)
        )
    assert mail.recipient == "ada@example.com" and "has been cancelled" in mail.subject
    assert "your bank declined the card payment" in mail.body and "Nothing has been charged" in mail.body
    await record_history(handle, "order_declined")


async def test_unknown_sku_is_rejected_and_nothing_is_written(env, db, catalog):
    sku = catalog({"MIL": 3})
    request = PlaceOrder.model_validate(order_body([(sku, 1), ("NO-SUCH-SKU", 1)]))
    handle = await start_order(env, request)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(OrderWorkflow.accept, request, id="accept")
    assert err.value.cause.type == "unknown_sku"
    assert (await handle.result()).status is OrderStatus.REJECTED
    assert stock_of(db, sku) == {"MIL": (3, 0)}
    with db.reader() as s:
        assert s.scalars(select(OrderEvent).where(OrderEvent.order_id == request.order_id)).first() is None


async def test_split_order_ships_one_parcel_per_warehouse(env, db, catalog):
    only_milan, only_berlin = catalog({"MIL": 4}), catalog({"BER": 4})
    request = PlaceOrder.model_validate(order_body([(only_milan, 1), (only_berlin, 2)]))
    handle = await start_order(env, request, return_window=timedelta(0))
    accepted = await handle.execute_update(OrderWorkflow.accept, request, id="accept")
    assert sorted((r.warehouse, r.quantity) for r in accepted.reservations) == [("BER", 2), ("MIL", 1)]

    parcels = await wait_for_parcels(handle)
    assert len(parcels) == 2
    await handle.signal(OrderWorkflow.carrier_event, tracking(parcels[0], 3, TrackingStatus.DELIVERED))
    # Parcels are delivered separately: the order is partially delivered until the last arrives.
    for _ in range(100):
        if (await handle.query(OrderWorkflow.progress)).status is OrderStatus.PARTIALLY_DELIVERED:
            break
        await asyncio.sleep(0.05)
    assert (await handle.query(OrderWorkflow.progress)).status is OrderStatus.PARTIALLY_DELIVERED
    await handle.signal(OrderWorkflow.carrier_event, tracking(parcels[1], 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    with db.reader() as s:
        captures = s.execute(
            select(Payment.idempotency_key, Payment.amount).where(
                Payment.order_id == request.order_id, Payment.operation == "capture"
            )
        ).all()
    # One partial capture per parcel; shipping rides with the first (BER). 10.00 + 2 x 10.00 + 4.90
    assert sorted(captures) == [
        (f"{request.order_id}:capture:BER", Decimal("24.90")),
        (f"{request.order_id}:capture:MIL", Decimal("10.00")),
    ]
    with db.reader() as s:
        invoices = s.execute(
            select(Invoice.idempotency_key, Invoice.grand_total, Invoice.tax_total).where(
                Invoice.order_id == request.order_id
            )
        ).all()
    # One invoice per parcel, each for exactly what its capture took.
    assert sorted((k.rsplit(":", 1)[1], total) for k, total, _ in invoices) == [
        ("BER", Decimal("24.90")),
        ("MIL", Decimal("10.00")),
    ]
    assert sum(tax for _, _, tax in invoices) == accepted.quote.tax_total
    await record_history(handle, "order_split")


async def test_other_content_under_the_same_id_is_refused_without_a_trace(env, catalog):
    sku = catalog({"MIL": 5})
    request = PlaceOrder.model_validate(order_body([(sku, 1)]))
    handle = await start_order(env, request, return_window=timedelta(0))
    await handle.execute_update(OrderWorkflow.accept, request, id="accept")
    changed = request.model_copy(update={"lines": [request.lines[0].model_copy(update={"quantity": 2})]})
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(OrderWorkflow.accept, changed, id="accept-2")
    assert err.value.cause.type == "idempotency_conflict"
    history = await handle.fetch_history()
    accepted_updates = [
        e for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert len(accepted_updates) == 1
    # The order itself goes on undisturbed.
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
