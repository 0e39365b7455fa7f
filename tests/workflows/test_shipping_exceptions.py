"""What happens to parcels on their way, on the time-skipping server: a parcel past its
delivery SLA, one lost (and sent again), one damaged (and refunded), an address the carrier
cannot deliver to (held until support corrects it). Each step mails the customer once, and
support's alerts clear once their cause is gone."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from db import alert_views, order_views
from db.models import CreditNote, CustomerNotification, OrderEvent, Payment, Shipment, StockMovement
from domain.orders import Address, AddressCorrection, PlaceOrder
from domain.status import OrderStatus
from domain.tracking import ParcelPolicy, TrackingStatus
from tests.support.bodies import order_body
from tests.support.histories import record_history
from tests.support.workflow_orders import (
    accept,
    start_order,
    stock_of,
    tracking,
    wait_for_parcels,
)
from worker import build_worker
from workflows.order import OrderWorkflow

SLA = timedelta(days=2)


@pytest.fixture
async def env(time_skipping_env, db, settings):
    task_queue = f"orders-{uuid.uuid4().hex[:6]}"
    async with build_worker(time_skipping_env.client, db, settings, task_queue=task_queue):
        yield time_skipping_env, task_queue, db


async def start(env, request: PlaceOrder, policy: ParcelPolicy = ParcelPolicy.RESHIP):
    handle = await start_order(
        env,
        request,
        return_window=timedelta(days=14),
        start_overrides={
            "delivery_sla": SLA,
            "failed_parcel_policy": policy,
            "feedback_delay": timedelta(days=3),
        },
    )
    await accept(handle, request, id="accept")
    return handle


def events(db, order_id: str) -> list[tuple[str, str | None]]:
    with db.reader() as s:
        rows = s.execute(
            select(OrderEvent.type, OrderEvent.data["kind"].astext)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.id)
        ).all()
    return [(t, k) for t, k in rows]


def outbox(db, order_id: str) -> list[str]:
    with db.reader() as s:
        return list(
            s.scalars(
                select(CustomerNotification.kind)
                .where(CustomerNotification.order_id == order_id, CustomerNotification.sent_at.is_not(None))
                .order_by(CustomerNotification.id)
            )
        )


def open_alerts(db, order_id: str) -> list[str]:
    """The kinds of the order's alerts support still sees (GET /support/alerts)."""
    with db.reader() as s:
        return [a.kind for a in alert_views.alerts(s, 200) if a.order_id == order_id]


def mail(mail_sink, order_id: str, subject_part: str):
    [found] = [m for m in mail_sink.for_order(order_id) if subject_part in str(m["Subject"])]
    return str(found["Subject"]), found.get_content()


def assert_one_mail_per_event(mail_sink, db, order_id: str) -> list[str]:
    """Every message in the outbox reached the sink exactly once; their subjects, in order."""
    received = mail_sink.for_order(order_id)
    assert len({m["Message-ID"] for m in received}) == len(received) == len(outbox(db, order_id))
    return [str(m["Subject"]) for m in received]


async def until(predicate, tries: int = 200):
    for _ in range(tries):
        if result := await predicate():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition never held")


async def test_a_late_parcel_flags_the_order_alerts_support_and_tells_the_customer_once(
    env, db, catalog, mail_sink
):
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 2}), 1)]))
    handle = await start(env, request)
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 0, TrackingStatus.PICKED_UP))

    await env[0].sleep(SLA + timedelta(hours=1))  # no delivery within the SLA
    progress = await until(lambda: _late(handle))
    assert progress.status is OrderStatus.IN_TRANSIT
    assert ("support_alerted", "delivery_late") in events(db, request.order_id)
    assert open_alerts(db, request.order_id) == ["delivery_late"]
    with db.reader() as s:
        assert order_views.order_detail(s, request.order_id).late

    # The carrier reports the delay too: the customer has been told already.
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 1, TrackingStatus.DELAYED))
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 2, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    assert open_alerts(db, request.order_id) == []  # delivered after all

    assert outbox(db, request.order_id) == [
        "order_confirmed",
        "parcel_shipped",
        "parcel_delayed",
        "parcel_delivered",
        "feedback_request",
    ]
    subjects = assert_one_mail_per_event(mail_sink, db, request.order_id)
    assert subjects[2] == f"Your parcel {tn} is delayed"
    shipped = next(m for m in mail_sink.for_order(request.order_id) if "on its way" in str(m["Subject"]))
    assert f"/shipments/{tn}" in shipped.get_content()
    await record_history(handle, "order_parcel_late")


async def _late(handle):
    progress = await handle.query(OrderWorkflow.progress)
    return progress if progress.late else None


async def test_a_lost_parcel_is_sent_again_from_stock(env, db, catalog, mail_sink):
    sku = catalog({"MIL": 3})
    request = PlaceOrder.model_validate(order_body([(sku, 1)]))
    handle = await start(env, request, ParcelPolicy.RESHIP)
    [lost] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(lost, 0, TrackingStatus.PICKED_UP))
    await handle.signal(OrderWorkflow.carrier_event, tracking(lost, 1, TrackingStatus.LOST))

    async def replacement():
        parcels = (await handle.query(OrderWorkflow.progress)).parcels
        return [tn for tn in parcels if tn != lost]

    [again] = await until(replacement)
    # A late "in transit" for the lost parcel changes nothing.
    await handle.signal(OrderWorkflow.carrier_event, tracking(lost, 5, TrackingStatus.IN_TRANSIT))
    await handle.signal(OrderWorkflow.carrier_event, tracking(again, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED

    with db.reader() as s:
        shipments = dict(
            s.execute(
                select(Shipment.tracking_number, Shipment.status).where(Shipment.order_id == request.order_id)
            ).all()
        )
        replaces = s.scalar(select(Shipment.replaces).where(Shipment.tracking_number == again))
        shipped = s.scalars(
            select(StockMovement.kind).where(
                StockMovement.reference == request.order_id, StockMovement.sku == sku
            )
        ).all()
    assert shipments == {lost: "lost", again: "delivered"} and replaces == lost
    assert sorted(shipped) == ["reservation", "shipment", "shipment"]
    assert stock_of(db, sku) == {"MIL": (1, 0)}  # two units left the warehouse for one ordered
    assert ("support_alerted", "lost") in events(db, request.order_id)
    # One mail about the loss with the replacement's tracking, not a second "on its way".
    assert outbox(db, request.order_id) == [
        "order_confirmed",
        "parcel_shipped",
        "parcel_failed",
        "parcel_delivered",
        "feedback_request",
    ]
    assert_one_mail_per_event(mail_sink, db, request.order_id)
    subject, body = mail(mail_sink, request.order_id, "was lost")
    assert subject == f"Your parcel {lost} was lost: a replacement is on its way"
    assert f"Tracking number: {again}" in body and f"/shipments/{again}" in body
    await record_history(handle, "order_parcel_lost_reshipped")


async def test_a_damaged_parcel_is_refunded_and_the_rest_delivered(env, db, catalog, mail_sink):
    milan, berlin = catalog({"MIL": 1}, price="10.00"), catalog({"BER": 1}, price="20.00")
    request = PlaceOrder.model_validate(order_body([(milan, 1), (berlin, 1)]))
    handle = await start(env, request, ParcelPolicy.REFUND)
    parcels = await wait_for_parcels(handle)
    with db.reader() as s:
        by_warehouse = dict(
            s.execute(
                select(Shipment.warehouse, Shipment.tracking_number).where(
                    Shipment.order_id == request.order_id
                )
            ).all()
        )
    assert sorted(by_warehouse.values()) == parcels
    await handle.signal(
        OrderWorkflow.carrier_event, tracking(by_warehouse["BER"], 2, TrackingStatus.DELIVERED)
    )
    await handle.signal(OrderWorkflow.carrier_event, tracking(by_warehouse["MIL"], 2, TrackingStatus.DAMAGED))
    assert (await handle.result()).status is OrderStatus.COMPLETED

    with db.reader() as s:
        refunds = s.scalars(
            select(Payment.amount).where(Payment.order_id == request.order_id, Payment.operation == "refund")
        ).all()
        [note] = s.scalars(select(CreditNote).where(CreditNote.order_id == request.order_id))
    assert refunds == [Decimal("10.00")] and note.grand_total == Decimal("10.00")  # the Milan parcel
    kinds = outbox(db, request.order_id)
    assert kinds.count("parcel_failed") == 1 and kinds.count("parcel_delivered") == 1
    assert "refund_issued" not in kinds  # the mail about the damage says it is refunded
    assert ("support_alerted", "damaged") in events(db, request.order_id)
    assert_one_mail_per_event(mail_sink, db, request.order_id)
    subject, body = mail(mail_sink, request.order_id, "was damaged")
    assert subject == f"Your parcel {by_warehouse['MIL']} was damaged: we have refunded it"
    assert "refunded 10.00 EUR" in body and note.number in body
    await record_history(handle, "order_parcel_damaged_refunded")


async def test_an_undeliverable_address_holds_the_order_until_support_corrects_it(
    env, db, catalog, mail_sink
):
    body = order_body([(catalog({"MIL": 2}), 1)])
    body["shipping_address"]["line1"] = "Via Inesistente 0 UNDELIVERABLE"
    request = PlaceOrder.model_validate(body)
    handle = await start(env, request)
    await wait_for_parcels(handle, until_shipped=False)

    async def on_hold():
        return (await handle.query(OrderWorkflow.progress)).status is OrderStatus.ON_HOLD

    await until(on_hold)
    assert ("support_alerted", "undeliverable_address") in events(db, request.order_id)
    assert open_alerts(db, request.order_id) == ["undeliverable_address"]
    fixed = Address.model_validate({**body["shipping_address"], "line1": "Via Roma 1"})
    await handle.execute_update(
        OrderWorkflow.correct_address, AddressCorrection(address=fixed), id="address-1"
    )

    assert open_alerts(db, request.order_id) == []  # answered by the corrected address

    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    types = [t for t, _ in events(db, request.order_id)]
    assert types.index("order_on_hold") < types.index("address_corrected") < types.index("parcel_booked")
    assert types.index("address_corrected") < types.index("alert_resolved")
    with db.reader() as s:
        assert order_views.order_detail(s, request.order_id).status_reason is None  # on hold no more
    assert_one_mail_per_event(mail_sink, db, request.order_id)
    await record_history(handle, "order_held_for_address")


async def test_a_replacement_that_fails_too_is_refunded(env, db, catalog, mail_sink):
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 3}, price="10.00"), 1)]))
    handle = await start(env, request, ParcelPolicy.RESHIP)
    [first] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(first, 1, TrackingStatus.RETURNED_TO_SENDER))

    async def replacement():
        parcels = (await handle.query(OrderWorkflow.progress)).parcels
        return [tn for tn in parcels if tn != first]

    [second] = await until(replacement)
    await handle.signal(OrderWorkflow.carrier_event, tracking(second, 1, TrackingStatus.LOST))
    # Nothing reached the customer: everything is refunded and the order ends cancelled.
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == (
        OrderStatus.CANCELLED,
        "no parcel reached the customer; refunded",
    )
    with db.reader() as s:
        refunded = s.scalars(
            select(Payment.amount).where(Payment.order_id == request.order_id, Payment.operation == "refund")
        ).all()
    assert refunded == [Decimal("14.90")]  # the parcel with the shipping
    kinds = outbox(db, request.order_id)
    assert kinds == ["order_confirmed", "parcel_shipped", "parcel_failed", "parcel_failed"]
    assert_one_mail_per_event(mail_sink, db, request.order_id)
