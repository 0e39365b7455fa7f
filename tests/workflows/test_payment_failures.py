"""Payment failure modes on the time-skipping server: whatever the gateway does, an order is
charged at most once and invoiced once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db.models import CreditNote, CustomerNotification, Invoice, Payment, SandboxGatewayTransaction
from domain.orders import ExpiredAuthorization, PaymentEvent, PlaceOrder
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from providers.sandbox.gateway import SandboxGateway
from tests.support.bodies import order_body
from tests.support.histories import record_history
from tests.support.workflow_orders import (
    accept,
    pack_parcels,
    start_order,
    stock_of,
    tracking,
    wait_for_parcels,
)
from workflows.order import OrderWorkflow


def ledger(db, order_id: str) -> list[tuple[str, str]]:
    with db.reader() as s:
        return sorted(
            s.execute(
                select(SandboxGatewayTransaction.operation, SandboxGatewayTransaction.status).where(
                    SandboxGatewayTransaction.idempotency_key.startswith(order_id + ":")
                )
            ).all()
        )


@pytest.mark.parametrize("token", ["tok_timeout", "tok_processing_error"])
async def test_gateway_trouble_never_charges_twice(env, db, catalog, token):
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 2}), 1)], payment_token=token))
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED

    assert ledger(db, request.order_id) == [("authorize", "approved"), ("capture", "approved")]
    with db.reader() as s:
        assert s.scalar(select(func.count()).where(Invoice.order_id == request.order_id)) == 1


async def test_insufficient_funds_cancels_with_the_reason(env, db, catalog):
    request = PlaceOrder.model_validate(
        order_body([(catalog({"MIL": 2}), 1)], payment_token="tok_insufficient_funds")
    )
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == (OrderStatus.CANCELLED, "payment declined: insufficient_funds")
    assert ledger(db, request.order_id) == [("authorize", "declined")]


async def pending_reference(db, order_id: str) -> str:
    for _ in range(200):
        with db.reader() as s:
            ref = s.scalar(
                select(Payment.gateway_reference).where(
                    Payment.order_id == order_id,
                    Payment.operation == "authorize",
                    Payment.status == "pending",
                )
            )
        if ref:
            return ref
        await asyncio.sleep(0.05)
    raise AssertionError("no pending authorization")


def settled(db, reference: str, approved: bool) -> PaymentEvent:
    result = SandboxGateway(db).settle(reference, approved)
    return PaymentEvent(
        event_id=f"evt-{reference}",
        reference=reference,
        status=result.status.value,
        decline_code=result.decline_code,
    )


@pytest.mark.parametrize("token", ["tok_3ds", "bank_transfer"])
async def test_pending_payment_goes_on_when_the_provider_confirms(env, db, catalog, token):
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 2}), 1)], payment_token=token))
    handle = await start_order(env, request, return_window=timedelta(0))
    await accept(handle, request, id="accept")
    reference = await pending_reference(db, request.order_id)
    await handle.signal(OrderWorkflow.payment_event, settled(db, reference, approved=True))
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    assert ledger(db, request.order_id) == [("authorize", "approved"), ("capture", "approved")]
    if token == "tok_3ds":
        await record_history(handle, "order_paid_3ds")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("tok_3ds", "payment not completed: the customer did not authenticate in time"),
        ("bank_transfer", "unpaid: the bank transfer did not arrive in time"),
    ],
)
async def test_pending_payment_that_never_settles_cancels_the_order(env, db, catalog, token, reason):
    sku = catalog({"MIL": 2})
    request = PlaceOrder.model_validate(order_body([(sku, 2)], payment_token=token))
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    outcome = await handle.result()  # 15 minutes or 3 days pass in no time
    assert (outcome.status, outcome.reason) == (OrderStatus.CANCELLED, reason)
    assert stock_of(db, sku) == {"MIL": (2, 0)}


async def test_failed_3ds_cancels_with_the_reason(env, db, catalog):
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 2}), 1)], payment_token="tok_3ds"))
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    reference = await pending_reference(db, request.order_id)
    await handle.signal(OrderWorkflow.payment_event, settled(db, reference, approved=False))
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == (
        OrderStatus.CANCELLED,
        "payment declined: authentication_failed",
    )


@pytest.mark.parametrize("policy", [ExpiredAuthorization.REAUTHORIZE, ExpiredAuthorization.CANCEL])
async def test_an_expired_authorization_is_renewed_or_cancels(env, db, catalog, policy):
    sku = catalog({"MIL": 2})
    request = PlaceOrder.model_validate(order_body([(sku, 1)]))
    # Validity zero: the authorization has lapsed by the time the order would capture.
    handle = await start_order(
        env,
        request,
        return_window=timedelta(0),
        start_overrides={"authorization_validity": timedelta(0), "expired_authorization": policy},
    )
    await accept(handle, request, id="accept")
    if policy is ExpiredAuthorization.CANCEL:
        await pack_parcels(handle)  # the authorization lapses while the warehouse packs
        outcome = await handle.result()
        assert (outcome.status, outcome.reason) == (OrderStatus.CANCELLED, "payment authorization expired")
        assert ledger(db, request.order_id) == [("authorize", "approved"), ("void", "approved")]
        assert stock_of(db, sku) == {"MIL": (2, 0)}
        return
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    assert ledger(db, request.order_id) == [
        ("authorize", "approved"),
        ("authorize", "approved"),
        ("capture", "approved"),
        ("void", "approved"),
    ]


async def test_a_declined_capture_voids_releases_and_tells_the_customer(env, db, catalog):
    sku = catalog({"MIL": 2})
    request = PlaceOrder.model_validate(order_body([(sku, 2)], payment_token="tok_capture_fails"))
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    await pack_parcels(handle)  # capture comes when the parcels are packed
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == (
        OrderStatus.CANCELLED,
        "capture failed: authorization_expired",
    )
    assert ledger(db, request.order_id) == [
        ("authorize", "approved"),
        ("capture", "declined"),
        ("void", "approved"),
    ]
    assert stock_of(db, sku) == {"MIL": (2, 0)}
    with db.reader() as s:
        kinds = s.scalars(
            select(CustomerNotification.kind).where(CustomerNotification.order_id == request.order_id)
        )
    assert sorted(kinds) == ["order_cancelled", "order_confirmed"]


async def test_money_taken_before_a_declined_capture_is_refunded_with_a_credit_note(env, db, catalog):
    milan, berlin = catalog({"MIL": 1}, price="10.00"), catalog({"BER": 1}, price="20.00")
    request = PlaceOrder.model_validate(
        order_body([(milan, 1), (berlin, 1)], payment_token="tok_second_capture_fails")
    )
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    await pack_parcels(handle)  # capture comes when the parcels are packed
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == (
        OrderStatus.CANCELLED,
        "capture failed: authorization_expired",
    )
    assert ledger(db, request.order_id) == [
        ("authorize", "approved"),
        ("capture", "approved"),
        ("capture", "declined"),
        ("refund", "approved"),
        ("void", "approved"),
    ]
    with db.reader() as s:
        invoiced = s.scalar(select(func.sum(Invoice.grand_total)).where(Invoice.order_id == request.order_id))
        credited = s.scalar(
            select(func.sum(CreditNote.grand_total)).where(CreditNote.order_id == request.order_id)
        )
        [mail] = s.scalars(
            select(CustomerNotification).where(
                CustomerNotification.order_id == request.order_id,
                CustomerNotification.kind == "order_cancelled",
            )
        )
    assert invoiced == credited == Decimal("24.90")  # BER parcel (20.00) with the shipping (4.90)
    assert "will be refunded" in mail.body
    assert stock_of(db, milan) == {"MIL": (1, 0)} and stock_of(db, berlin) == {"BER": (1, 0)}
