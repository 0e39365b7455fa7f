"""Edits and cancellations on the time-skipping server: each either fully happens (order,
stock and payment together) or is refused with a code and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from db.models import CreditNote, Fulfillment, Invoice, Order, OrderEvent, Payment, Shipment, StockReservation
from domain.changes import Cancellation, OrderChange
from domain.orders import PlaceOrder
from domain.returns import ReturnRequest
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from tests.support.bodies import order_body
from tests.support.histories import record_history
from tests.support.workflow_orders import (
    accept,
    deliver_all,
    pack_parcels,
    packing,
    start_order,
    stock_of,
    tracking,
    wait_for_parcels,
)
from workflows.order import OrderWorkflow


def change(reference: str, lines: dict[str, int] | None = None, **fields: object) -> OrderChange:
    body = {"reference": reference, "lines": [{"sku": k, "quantity": v} for k, v in (lines or {}).items()]}
    return OrderChange.model_validate(body | fields)


def payments(db, order_id: str) -> list[tuple[str, str, Decimal]]:
    with db.reader() as s:
        return s.execute(
            select(Payment.operation, Payment.status, Payment.amount).where(Payment.order_id == order_id)
            .order_by(Payment.id)
        ).all()  # fmt: skip


def held(db, order_id: str) -> dict[str, int]:
    with db.reader() as s:
        rows = s.execute(
            select(StockReservation.sku, StockReservation.quantity).where(
                StockReservation.order_id == order_id, StockReservation.state != "released"
            )
        ).all()
    out: dict[str, int] = {}
    for sku, qty in rows:
        out[sku] = out.get(sku, 0) + qty
    return out


async def refused(handle: WorkflowHandle, update, arg) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(update, arg)
    return err.value.cause.type


async def test_a_preview_changes_nothing_and_a_larger_edit_takes_a_new_authorization(env, db, catalog):
    a, b = catalog({"MIL": 10}, price="10.00"), catalog({"MIL": 10}, price="5.00")
    handle, accepted = await packing(env, [(a, 1)])  # 10.00 + 4.90
    preview = await handle.execute_update(OrderWorkflow.change, change("E-1", {a: 3, b: 2}, preview=True))
    assert (preview.applied, preview.plan.quote.grand_total, preview.plan.payment) == (
        False, Decimal("44.90"), "authorize_more"
    )  # fmt: skip
    assert [(e.sku, e.before, e.after) for e in preview.plan.stock] == sorted([(a, 1, 3), (b, 0, 2)])
    assert held(db, accepted.order_id) == {a: 1} and stock_of(db, b) == {"MIL": (10, 0)}

    done = await handle.execute_update(OrderWorkflow.change, change("E-1", {a: 3, b: 2}, reason="phoned in"))
    assert done.applied and held(db, accepted.order_id) == {a: 3, b: 2}
    assert payments(db, accepted.order_id) == [
        ("authorize", "approved", Decimal("14.90")),
        ("authorize", "approved", Decimal("44.90")),  # the new total, taken before anything changed
        ("void", "approved", Decimal("14.90")),  # then the old authorization let go
    ]
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert metadata.current_details.endswith(": authorized, 44.90 EUR")  # the Web UI's total too
    again = await handle.execute_update(OrderWorkflow.change, change("E-1", {a: 3, b: 2}, reason="phoned in"))
    assert again == done  # the same reference is the same change
    other = change("E-1", {a: 1, b: 2}, reason="phoned in")
    assert await refused(handle, OrderWorkflow.change, other) == "idempotency_conflict"

    assert await deliver_all(handle) is OrderStatus.COMPLETED
    captured = sum(amt for op, st, amt in payments(db, accepted.order_id) if op == "capture")
    with db.reader() as s:
        order = s.get(Order, accepted.order_id)
        event = s.scalars(
            select(OrderEvent).where(
                OrderEvent.order_id == accepted.order_id, OrderEvent.type == "order_changed"
            )
        ).one()
    assert captured == order.grand_total == Decimal("44.90")
    assert (event.actor, event.reason) == ("support", "phoned in")
    await record_history(handle, "order_changed")


async def test_a_smaller_order_and_a_new_country_are_priced_again(env, db, catalog):
    a = catalog({"MIL": 10}, price="12.20")
    handle, accepted = await packing(env, [(a, 3)])
    germany = {
        "name": "Ada L.",
        "line1": "Hauptstr. 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    done = await handle.execute_update(OrderWorkflow.change, change("E-2", {a: 2}, shipping_address=germany))
    quote = done.plan.quote
    # 2 x 12.20 now carries German VAT (19%) and EU shipping (8.90), inclusive prices as shown.
    assert (quote.lines[0].tax_rate, quote.lines[0].tax, quote.shipping.total) == (
        Decimal("0.19"), Decimal("3.90"), Decimal("8.90")
    )  # fmt: skip
    assert done.plan.payment == "capture_less" and stock_of(db, a) == {"MIL": (10, 2)}
    assert await deliver_all(handle) is OrderStatus.COMPLETED
    with db.reader() as s:
        order = s.get(Order, accepted.order_id)
    assert order.shipping_address["country"] == "DE"
    captured = sum(amt for op, st, amt in payments(db, accepted.order_id) if op == "capture")
    assert captured == order.grand_total == Decimal("33.30")


async def test_refused_changes_say_why_and_change_nothing(env, db, catalog):
    a = catalog({"MIL": 3}, price="10.00")
    handle, accepted = await packing(env, [(a, 1)])
    assert await refused(handle, OrderWorkflow.change, change("E-3", {a: 50})) == "insufficient_stock"
    assert await refused(handle, OrderWorkflow.change, change("E-4", {a: 0})) == "empty_order"
    assert await refused(handle, OrderWorkflow.change, change("E-5", {"NO-SUCH": 1})) == "unknown_sku"
    cancel_too_many = Cancellation(
        reference="C-1", reason="customer asked", lines=[{"sku": a, "quantity": 2}]
    )
    assert await refused(handle, OrderWorkflow.cancel, cancel_too_many) == "quantity_exceeds_ordered"
    assert held(db, accepted.order_id) == {a: 1}
    assert [op for op, _, _ in payments(db, accepted.order_id)] == ["authorize"]

    await pack_parcels(handle)
    for _ in range(100):
        if not (await handle.query(OrderWorkflow.progress)).packing:
            break
        await asyncio.sleep(0.02)
    assert await refused(handle, OrderWorkflow.change, change("E-6", {a: 2})) == "already_packed"
    assert await deliver_all(handle) is OrderStatus.COMPLETED
    late = Cancellation(reference="C-2", reason="too late")
    with pytest.raises(RPCError) as closed:  # the workflow has closed: no update reaches it
        await handle.execute_update(OrderWorkflow.cancel, late)
    assert closed.value.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION)


async def test_cancelling_some_units_before_packing_gives_them_back(env, db, catalog):
    a, b = catalog({"MIL": 5}, price="10.00"), catalog({"MIL": 5}, price="20.00")
    handle, accepted = await packing(env, [(a, 2), (b, 1)])
    cancel = Cancellation(reference="C-3", reason="out of budget", actor="channel:webshop",
                          lines=[{"sku": a, "quantity": 1}, {"sku": b, "quantity": 1}])  # fmt: skip
    outcome = await handle.execute_update(OrderWorkflow.cancel, cancel)
    assert outcome.change is not None and outcome.change.plan.quote.grand_total == Decimal("14.90")
    assert held(db, accepted.order_id) == {a: 1} and stock_of(db, b) == {"MIL": (5, 0)}
    assert await deliver_all(handle) is OrderStatus.COMPLETED
    with db.reader() as s:
        event = s.scalars(
            select(OrderEvent).where(
                OrderEvent.order_id == accepted.order_id, OrderEvent.type == "items_cancelled"
            )
        ).one()
    assert (event.actor, event.reason) == ("channel:webshop", "out of budget")


async def test_cancelling_while_packing_releases_stock_and_voids_the_payment(env, db, catalog):
    a = catalog({"MIL": 5}, price="10.00")
    handle, accepted = await packing(env, [(a, 2)])
    cancel = Cancellation(reference="C-4", reason="customer changed their mind", actor="support:ann")
    outcome = await handle.execute_update(OrderWorkflow.cancel, cancel)
    assert outcome.status is OrderStatus.CANCELLED and outcome.refunded == 0
    assert (await handle.result()).status is OrderStatus.CANCELLED
    assert stock_of(db, a) == {"MIL": (5, 0)}
    assert [op for op, _, _ in payments(db, accepted.order_id)] == ["authorize", "void"]
    with db.reader() as s:
        picking = s.scalars(select(Fulfillment.status).where(Fulfillment.order_id == accepted.order_id)).all()
    assert picking == ["cancelled"]  # the warehouse stops picking it
    with db.reader() as s:
        events = s.execute(
            select(OrderEvent.type, OrderEvent.actor, OrderEvent.reason).where(
                OrderEvent.order_id == accepted.order_id, OrderEvent.type.in_(["cancellation_requested",
                                                                               "order_cancelled"])
            ).order_by(OrderEvent.id)
        ).all()  # fmt: skip
    assert events == [
        ("cancellation_requested", "support:ann", "customer changed their mind"),
        ("order_cancelled", "support:ann", "customer changed their mind"),
    ]


async def test_cancelling_after_shipping_stops_or_recalls_parcels_and_refunds(env, db, catalog):
    a = catalog({"MIL": 2, "BER": 2}, price="10.00")
    handle, accepted = await packing(env, [(a, 3)])  # split: two parcels
    parcels = await wait_for_parcels(handle)
    assert len(parcels) == 2
    # One is already with the carrier; the other still waits for pickup.
    await handle.signal(OrderWorkflow.carrier_event, tracking(parcels[0], 0, TrackingStatus.PICKED_UP))
    await asyncio.sleep(0.3)
    outcome = await handle.execute_update(OrderWorkflow.cancel, Cancellation(reference="C-5", reason="fraud"))
    assert outcome.status is OrderStatus.CANCELLED and outcome.refunded == Decimal("34.90")
    with db.reader() as s:
        shipped = dict(s.execute(select(Shipment.tracking_number, Shipment.status)
                                 .where(Shipment.order_id == accepted.order_id)).all())  # fmt: skip
        notes = s.scalars(
            select(CreditNote.grand_total).where(CreditNote.order_id == accepted.order_id)
        ).all()
    assert shipped == {parcels[0]: "recalled", parcels[1]: "cancelled"}
    assert sum(notes) == Decimal("34.90")  # everything captured, given back with credit notes
    with db.reader() as s:
        travelling = s.scalar(
            select(StockReservation.quantity)
            .join(Shipment, (Shipment.order_id == StockReservation.order_id)
                  & (Shipment.warehouse == StockReservation.warehouse))
            .where(StockReservation.order_id == accepted.order_id, Shipment.status == "recalled")
        )  # fmt: skip
    # The stopped parcel's units are back on the shelf; the recalled ones are on their way back.
    assert sum(on_hand for on_hand, _ in stock_of(db, a).values()) == 4 - travelling
    delivered = Cancellation(reference="C-6", reason="again")
    assert (await handle.result()).status is OrderStatus.CANCELLED
    await record_history(handle, "order_cancelled")
    with pytest.raises(RPCError) as closed:
        await handle.execute_update(OrderWorkflow.cancel, delivered)
    assert closed.value.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION)


async def test_no_cancellation_once_delivered(env, catalog):
    a = catalog({"MIL": 2})
    request = PlaceOrder.model_validate(order_body([(a, 1)]))
    handle = await start_order(env, request, return_window=timedelta(days=3))
    await accept(handle, request, id="accept")
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    for _ in range(100):
        if (await handle.query(OrderWorkflow.progress)).status is OrderStatus.DELIVERED:
            break
        await asyncio.sleep(0.02)
    assert await refused(handle, OrderWorkflow.cancel, Cancellation(reference="C-7", reason="nope")) == (
        "already_delivered"
    )
    assert (await handle.result()).status is OrderStatus.COMPLETED


async def test_an_edit_leaves_the_reason_the_order_shows_alone(env, db, catalog):
    a = catalog({"MIL": 5}, price="10.00")
    handle, accepted = await packing(env, [(a, 1)])
    await handle.execute_update(OrderWorkflow.change, change("E-9", {a: 2}, reason="customer called"))
    assert await deliver_all(handle) is OrderStatus.COMPLETED
    with db.reader() as s:
        order = s.get(Order, accepted.order_id)
    # The replaced authorization was voided with a reason; the order is not "voided" for it.
    assert order.status_reason is None


async def test_an_edit_that_empties_a_warehouse_leaves_no_parcel_there(env, db, catalog):
    milan, berlin = catalog({"MIL": 5}, price="10.00"), catalog({"BER": 5}, price="20.00")
    handle, accepted = await packing(env, [(milan, 1), (berlin, 1)])
    await handle.execute_update(OrderWorkflow.change, change("E-10", {berlin: 0}))
    assert (await handle.query(OrderWorkflow.progress)).packing == ["MIL"]
    assert await deliver_all(handle) is OrderStatus.COMPLETED
    with db.reader() as s:
        invoices = s.scalars(select(Invoice.grand_total).where(Invoice.order_id == accepted.order_id)).all()
        picks = dict(s.execute(select(Fulfillment.warehouse, Fulfillment.status)
                               .where(Fulfillment.order_id == accepted.order_id)).all())  # fmt: skip
    assert invoices == [Decimal("14.90")]  # one parcel, one capture, one invoice
    assert picks == {"MIL": "packed", "BER": "cancelled"}


async def test_cancelling_a_parcel_on_its_way_refunds_it_and_the_rest_arrives(env, db, catalog):
    milan, berlin = catalog({"MIL": 5}, price="10.00"), catalog({"BER": 5}, price="20.00")
    handle, accepted = await packing(env, [(milan, 1), (berlin, 2)])
    parcels = await wait_for_parcels(handle)
    with db.reader() as s:
        where = dict(s.execute(select(Shipment.warehouse, Shipment.tracking_number)
                               .where(Shipment.order_id == accepted.order_id)).all())  # fmt: skip
    half = Cancellation(reference="C-8", reason="wants only the mug", lines=[{"sku": berlin, "quantity": 1}])
    assert await refused(handle, OrderWorkflow.cancel, half) == "partial_parcel"
    whole_parcel = Cancellation(
        reference="C-9", reason="wants only the mug", lines=[{"sku": berlin, "quantity": 2}]
    )
    outcome = await handle.execute_update(OrderWorkflow.cancel, whole_parcel)
    assert outcome.refunded == Decimal("40.00")  # what the Berlin parcel's capture took
    assert stock_of(db, berlin) == {"BER": (5, 0)}  # not picked up yet: back on the shelf
    await handle.signal(OrderWorkflow.carrier_event, tracking(where["MIL"], 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    with db.reader() as s:
        status = dict(s.execute(select(Shipment.warehouse, Shipment.status)
                                .where(Shipment.order_id == accepted.order_id)).all())  # fmt: skip
        notes = s.scalars(
            select(CreditNote.grand_total).where(CreditNote.order_id == accepted.order_id)
        ).all()
    assert status == {"MIL": "delivered", "BER": "cancelled"} and notes == [Decimal("40.00")]
    assert sorted(parcels) == sorted(where.values())
    await record_history(handle, "order_cancelled_partly")


async def test_cancelling_before_a_replacement_is_picked_up_puts_its_units_back(env, db, catalog):
    a = catalog({"MIL": 5}, price="10.00")
    handle, _ = await packing(env, [(a, 1)])
    [lost] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(lost, 5, TrackingStatus.LOST))
    for _ in range(100):  # the lost parcel is sent again from the same warehouse
        if len((await handle.query(OrderWorkflow.progress)).parcels) == 2:
            break
        await asyncio.sleep(0.02)
    assert stock_of(db, a) == {"MIL": (3, 0)}  # one lost on the way, one in the replacement
    outcome = await handle.execute_update(
        OrderWorkflow.cancel, Cancellation(reference="C-10", reason="gave up")
    )
    assert outcome.status is OrderStatus.CANCELLED and outcome.refunded == Decimal("14.90")
    assert stock_of(db, a) == {"MIL": (4, 0)}  # the replacement never left: back on the shelf
    assert (await handle.result()).status is OrderStatus.CANCELLED


async def test_the_parcel_that_holds_exactly_the_units_is_the_one_cancelled(env, db, catalog):
    a = catalog({"MIL": 2, "BER": 1}, price="10.00")
    handle, accepted = await packing(
        env, [(a, 3)], window=timedelta(days=3)
    )  # two from Milan, one from Berlin
    await wait_for_parcels(handle)
    with db.reader() as s:
        where = dict(s.execute(select(Shipment.warehouse, Shipment.tracking_number)
                               .where(Shipment.order_id == accepted.order_id)).all())  # fmt: skip
    one = Cancellation(reference="C-11", reason="one is enough", lines=[{"sku": a, "quantity": 1}])
    outcome = await handle.execute_update(OrderWorkflow.cancel, one)
    assert outcome.refunded > 0
    await handle.signal(OrderWorkflow.carrier_event, tracking(where["MIL"], 3, TrackingStatus.DELIVERED))
    for _ in range(100):
        if (await handle.query(OrderWorkflow.progress)).status is OrderStatus.DELIVERED:
            break
        await asyncio.sleep(0.02)
    # Only the two units that arrived can come back.
    too_many = ReturnRequest.model_validate(
        {"reference": "RMA-1", "lines": [{"sku": a, "quantity": 3, "reason": "damaged"}]}
    )
    assert await refused(handle, OrderWorkflow.request_return, too_many) == "quantity_exceeds_returnable"
    assert (await handle.result()).status is OrderStatus.COMPLETED
    with db.reader() as s:
        status = dict(s.execute(select(Shipment.warehouse, Shipment.status)
                                .where(Shipment.order_id == accepted.order_id)).all())  # fmt: skip
    assert status == {"MIL": "delivered", "BER": "cancelled"}
