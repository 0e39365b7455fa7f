"""The order workflow on the time-skipping test server: the 30-day return window passes in
no real time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError

from db.models import CustomerNotification, Invoice, OrderEvent, Payment, Shipment
from domain.orders import PlaceOrder
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from tests.support.bodies import COMPLETED_TIMELINE, order_body
from tests.support.histories import record_history
from tests.support.workflow_orders import accept, start_order, stock_of, tracking, wait_for_parcels
from workflows.order import OrderWorkflow
from workflows.search_attributes import ORDER_ID, ORDER_STATUS


async def test_order_travels_the_whole_lifecycle(env, db, catalog):
    sku = catalog({"MIL": 5}, price="12.20")
    request = PlaceOrder.model_validate(order_body([(sku, 2)]))
    handle = await start_order(env, request)

    accepted = await accept(handle, request, id="accept")
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
    await accept(handle, request, id="accept")

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
        await accept(handle, request, id="accept")
    assert err.value.cause.type == "unknown_sku"
    assert (await handle.result()).status is OrderStatus.REJECTED
    assert stock_of(db, sku) == {"MIL": (3, 0)}
    with db.reader() as s:
        assert s.scalars(select(OrderEvent).where(OrderEvent.order_id == request.order_id)).first() is None


async def test_split_order_ships_one_parcel_per_warehouse(env, db, catalog):
    only_milan, only_berlin = catalog({"MIL": 4}), catalog({"BER": 4})
    request = PlaceOrder.model_validate(order_body([(only_milan, 1), (only_berlin, 2)]))
    handle = await start_order(env, request, return_window=timedelta(0))
    accepted = await accept(handle, request, id="accept")
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
    await accept(handle, request, id="accept")
    changed = request.model_copy(update={"lines": [request.lines[0].model_copy(update={"quantity": 2})]})
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await accept(handle, changed, id="accept-2")
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
