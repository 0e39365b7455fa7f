"""What a lost workflow task leaves behind, and how the order finds its way from what is
stored: a confirmation, a capture, an invoice or a booking committed by a task the server
never saved, and carrier news queued while no worker ran."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from activities.changes import ChangeActivities
from activities.fulfillment import FulfillmentActivities
from activities.inventory import InventoryActivities
from activities.invoicing import InvoicingActivities
from activities.payments import PaymentActivities
from activities.shipping import ShippingActivities
from contracts.changes import StopParcelInput
from contracts.fulfillment import PackedInput
from contracts.invoicing import IssueInvoiceInput
from contracts.payments import CaptureInput
from contracts.shipping import BookParcelInput
from db import order_log
from db.models import CreditNote, CustomerNotification, Invoice, Payment, Shipment
from domain.changes import Cancellation
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from providers.sandbox.carrier import SandboxCarrier
from providers.sandbox.gateway import SandboxGateway
from tests.support.workflow_orders import packing, stock_of, tracking, wait_for_parcels
from workflows.order import OrderWorkflow


def _now() -> datetime:
    return datetime.now(UTC)


def credited(db, order_id: str) -> Decimal:
    with db.reader() as s:
        return sum(
            s.scalars(select(CreditNote.grand_total).where(CreditNote.order_id == order_id)), Decimal(0)
        )


def pack_behind_its_back(db, order_id: str, warehouse: str) -> None:
    """A pack confirmation that committed in a workflow task the server lost with the update."""
    FulfillmentActivities(db).confirm_packed(
        PackedInput(order_id=order_id, warehouse=warehouse, actor="warehouse", at=_now())
    )


def ship_behind_its_back(db, settings, order_id: str) -> tuple[Decimal, str]:
    """Everything a lost task ran after packing: capture, invoice and booking per parcel, as
    the local activities had committed them. Answers what was captured and the parcel."""
    with db.reader() as s:
        auth = s.scalar(
            select(Payment.gateway_reference).where(
                Payment.order_id == order_id, Payment.operation == "authorize", Payment.status == "approved"
            )
        )
    gateway = SandboxGateway(db)
    carrier = SandboxCarrier(db, timedelta(0), clock=_now)
    captured, tracking_number = Decimal(0), ""
    for parcel in InventoryActivities(db).plan_fulfillments(order_id):
        pack_behind_its_back(db, order_id, parcel.warehouse)
        capture = PaymentActivities(db, gateway).capture_payment(
            CaptureInput(order_id=order_id, authorization=auth, amount=parcel.amount,
                         fulfillment=parcel.warehouse, at=_now())
        )  # fmt: skip
        InvoicingActivities(db, settings).issue_invoice(
            IssueInvoiceInput(order_id=order_id, payment_reference=capture.reference, fulfillment=parcel,
                              at=_now())
        )  # fmt: skip
        booked = ShippingActivities(db, carrier).book_parcel(
            BookParcelInput(order_id=order_id, warehouse=parcel.warehouse, at=_now(),
                            order_status=OrderStatus.SHIPPED)
        )  # fmt: skip
        captured += capture.amount
        tracking_number = booked.tracking_number
    return captured, tracking_number


async def test_a_confirmation_lost_with_its_task_is_found_in_the_database(env, db, catalog):
    a = catalog({"MIL": 2})
    handle, accepted = await packing(env, [(a, 1)])
    pack_behind_its_back(db, accepted.order_id, "MIL")
    # The warehouse sees the parcel packed and never confirms again; the order looks itself.
    await env[0].sleep(timedelta(minutes=11))
    parcels = await wait_for_parcels(handle, pack_parcels=False)
    assert len(parcels) == 1
    await handle.signal(OrderWorkflow.carrier_event, tracking(parcels[0], 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    with db.reader() as s:
        assert s.scalar(select(Invoice.number).where(Invoice.order_id == accepted.order_id))


async def test_a_cancellation_refunds_what_a_lost_task_captured(env, db, settings, catalog):
    """The task that packed, captured, invoiced and booked was lost; the workflow still waits
    for packing when the cancellation comes. It must refund the capture, not void it, and stop
    the parcel the database holds."""
    a = catalog({"MIL": 2}, price="20.00")
    handle, accepted = await packing(env, [(a, 1)])
    captured, parcel = ship_behind_its_back(db, settings, accepted.order_id)
    outcome = await handle.execute_update(
        OrderWorkflow.cancel, Cancellation(reference="C-lost", reason="customer called")
    )
    assert outcome.status is OrderStatus.CANCELLED
    assert outcome.refunded == captured == accepted.quote.grand_total
    assert (await handle.result()).status is OrderStatus.CANCELLED
    with db.reader() as s:
        notes = s.scalars(
            select(CreditNote.grand_total).where(CreditNote.order_id == accepted.order_id)
        ).all()
        voids = s.scalars(
            select(Payment.id).where(Payment.order_id == accepted.order_id, Payment.operation == "void")
        ).all()
        status = s.scalar(select(Shipment.status).where(Shipment.tracking_number == parcel))
        mail = s.scalar(
            select(CustomerNotification.body).where(
                CustomerNotification.order_id == accepted.order_id,
                CustomerNotification.kind == "order_cancelled",
            )
        )
    assert sum(notes) == captured and voids == []
    assert status == "cancelled"
    assert mail is not None
    assert stock_of(db, a) == {"MIL": (2, 0)}


async def test_a_cancellation_lost_with_its_update_is_taken_up_from_the_database(env, db, settings, catalog):
    """The server died after a cancellation recorded itself and recalled the parcel: the
    update is gone with the task, and nobody sends it again. The carrier's next news tells
    the order, which finishes the cancellation as it was asked: refunded, and told why."""
    a = catalog({"MIL": 2})
    handle, accepted = await packing(env, [(a, 1)], window=timedelta(days=1))
    (tn,) = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 0, TrackingStatus.PICKED_UP))
    for _ in range(100):
        if (await handle.query(OrderWorkflow.progress)).parcels.get(tn) == TrackingStatus.PICKED_UP:
            break
        await asyncio.sleep(0.05)
    with db.transaction() as s:
        order_log.append_event(s, accepted.order_id, "cancel:C-gone", "cancellation_requested", None, _now(),
                               actor="support:bo", reason="customer moved abroad")  # fmt: skip
    carrier = SandboxCarrier(db, timedelta(0), clock=_now)
    ChangeActivities(db, settings, carrier).stop_parcel(
        StopParcelInput(
            order_id=accepted.order_id, tracking_number=tn, reason="customer moved abroad", at=_now()
        )
    )
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 1, TrackingStatus.IN_TRANSIT))
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == (OrderStatus.CANCELLED, "customer moved abroad")
    with db.reader() as s:
        notes = s.scalars(
            select(CreditNote.grand_total).where(CreditNote.order_id == accepted.order_id)
        ).all()
        shipments = s.scalars(select(Shipment.status).where(Shipment.order_id == accepted.order_id)).all()
    assert sum(notes) == accepted.quote.grand_total
    assert shipments == ["recalled"]  # stopped once, nothing sent again
