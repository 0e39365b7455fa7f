"""Activities run at least once; their effects must happen exactly once. These call the
activities directly against PostgreSQL, repeatedly and concurrently."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from temporalio.exceptions import ApplicationError

from activities.intake import IntakeActivities
from activities.inventory import InventoryActivities
from activities.invoicing import InvoicingActivities
from activities.payments import PaymentActivities
from activities.shipping import ShippingActivities
from contracts.intake import AcceptOrderInput
from contracts.inventory import ReleaseStockInput
from contracts.invoicing import IssueInvoiceInput
from contracts.payments import AuthorizeInput, CaptureInput
from contracts.shipping import BookParcelInput
from db.models import (
    Invoice,
    OrderEvent,
    Payment,
    SandboxCarrierParcel,
    SandboxGatewayTransaction,
    Shipment,
    StockLevel,
    StockMovement,
)
from domain.orders import PlaceOrder
from domain.status import OrderStatus
from providers.sandbox.carrier import SandboxCarrier
from providers.sandbox.gateway import SandboxGateway
from tests.support.bodies import order_body
from tests.support.payments import keep_token, paid

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture
def intake(db, settings):
    return IntakeActivities(db, settings)


def accept(intake, lines, **overrides):
    request = PlaceOrder.model_validate(order_body(lines, **overrides))
    return intake.accept_order(AcceptOrderInput(request=request, at=NOW))


def count(db, model, *where) -> int:
    with db.reader() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def levels(db, sku):
    with db.reader() as s:
        rows = s.execute(
            select(StockLevel.warehouse, StockLevel.on_hand, StockLevel.reserved).where(StockLevel.sku == sku)
        ).all()
    return {wh: (on_hand, reserved) for wh, on_hand, reserved in rows}


def test_accepting_twice_reserves_once(db, intake, catalog):
    sku = catalog({"MIL": 5})
    request = PlaceOrder.model_validate(order_body([(sku, 2)]))
    first = intake.accept_order(AcceptOrderInput(request=request, at=NOW))
    again = intake.accept_order(AcceptOrderInput(request=request, at=NOW))
    assert again == first
    assert levels(db, sku) == {"MIL": (5, 2)}
    assert count(db, StockMovement, StockMovement.reference == first.order_id) == 1
    assert count(db, OrderEvent, OrderEvent.order_id == first.order_id) == 1


def test_releasing_twice_gives_stock_back_once(db, intake, catalog):
    sku = catalog({"MIL": 2, "BER": 2})
    order = accept(intake, [(sku, 3)])  # split: 2 from one warehouse, 1 from the other
    inventory = InventoryActivities(db)
    for _ in range(2):
        inventory.release_stock(ReleaseStockInput(order_id=order.order_id, reason="cancelled", at=NOW))
    assert levels(db, sku) == {"MIL": (2, 0), "BER": (2, 0)}
    assert (
        count(db, StockMovement, StockMovement.reference == order.order_id, StockMovement.kind == "release")
        == 2
    )


def test_fifty_orders_for_the_last_ten_units_reserve_exactly_ten(db, intake, catalog):
    sku = catalog({"MIL": 6, "BER": 4})

    def try_order(_: int) -> str:
        try:
            accept(intake, [(sku, 1)])
            return "accepted"
        except ApplicationError as err:
            return err.type or "?"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(try_order, range(50)))
    assert outcomes.count("accepted") == 10
    assert outcomes.count("insufficient_stock") == 40
    assert levels(db, sku) == {"MIL": (6, 6), "BER": (4, 4)}


def test_crossing_orders_on_two_skus_neither_deadlock_nor_oversell(db, intake, catalog):
    a, b = catalog({"MIL": 10, "BER": 10}), catalog({"MIL": 10, "BER": 10})

    def try_order(n: int) -> str:
        lines = [(a, 1), (b, 1)] if n % 2 else [(b, 1), (a, 1)]
        try:
            accept(intake, lines)
            return "accepted"
        except ApplicationError as err:
            return err.type or "?"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(try_order, range(40)))
    assert outcomes.count("accepted") == 20
    for sku in (a, b):
        assert levels(db, sku) == {"MIL": (10, 10), "BER": (10, 10)}


def test_payment_steps_replayed_charge_once(db, intake, catalog):
    order = accept(intake, [(catalog({"MIL": 3}), 1)])
    payments = PaymentActivities(db, SandboxGateway(db))
    keep_token(db, order.order_id)
    auth_input = AuthorizeInput(
        order_id=order.order_id, amount=order.quote.grand_total, currency="EUR", at=NOW
    )
    auth = payments.authorize_payment(auth_input)
    assert payments.authorize_payment(auth_input) == auth
    capture_input = CaptureInput(
        order_id=order.order_id, authorization=auth.reference, amount=order.quote.grand_total, at=NOW
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        captures = list(pool.map(lambda _: payments.capture_payment(capture_input), range(4)))
    assert {c.reference for c in captures} == {captures[0].reference}

    prefix = SandboxGatewayTransaction.idempotency_key.startswith(order.order_id + ":")
    assert count(db, SandboxGatewayTransaction, prefix) == 2
    assert count(db, Payment, Payment.order_id == order.order_id) == 2


def test_invoice_numbers_have_no_gaps_and_no_duplicates(db, intake, catalog, settings):
    sku = catalog({"MIL": 100})
    orders = [paid(db, accept(intake, [(sku, 1)])) for _ in range(100)]
    invoicing = InvoicingActivities(db, settings.model_copy(update={"invoice_series": "TST"}))

    def issue(order):
        return invoicing.issue_invoice(
            IssueInvoiceInput(order_id=order.order_id, payment_reference="p", at=NOW)
        )

    with ThreadPoolExecutor(max_workers=16) as pool:
        numbers = list(pool.map(issue, orders + orders))  # every order twice, concurrently
    by_order = {o.order_id: [] for o in orders}
    for order, invoice in zip(orders + orders, numbers, strict=True):
        by_order[order.order_id].append(invoice.number)
    assert all(len(set(n)) == 1 for n in by_order.values())  # a retry gets the same invoice
    with db.reader() as s:
        sequences = sorted(s.scalars(select(Invoice.sequence).where(Invoice.series == "TST")))
    assert sequences == list(range(1, 101))


def test_booking_twice_ships_one_parcel(db, intake, catalog, settings):
    sku = catalog({"MIL": 4}, weight_grams=300)
    order = paid(db, accept(intake, [(sku, 3)]))
    InvoicingActivities(db, settings).issue_invoice(
        IssueInvoiceInput(order_id=order.order_id, payment_reference="p", at=NOW)
    )
    shipping = ShippingActivities(db, SandboxCarrier(db, timedelta(seconds=5), clock=lambda: NOW))
    # The path live orders take: one booking per packed warehouse parcel.
    book = BookParcelInput(order_id=order.order_id, warehouse="MIL", at=NOW, order_status=OrderStatus.SHIPPED)
    first = shipping.book_parcel(book)
    again = shipping.book_parcel(book)
    assert first == again
    with db.reader() as s:
        parcel = s.get(SandboxCarrierParcel, first.tracking_number)
        shipments = s.scalars(select(Shipment).where(Shipment.order_id == order.order_id)).all()
    assert [x.tracking_number for x in shipments] == [first.tracking_number]
    assert parcel.weight_grams == 900
    assert (
        count(db, SandboxCarrierParcel, SandboxCarrierParcel.idempotency_key.startswith(order.order_id)) == 1
    )
    assert levels(db, sku) == {"MIL": (1, 0)}


def test_an_issued_invoice_cannot_be_changed_or_deleted(db, intake, catalog, settings):
    order = paid(db, accept(intake, [(catalog({"MIL": 1}), 1)]))
    invoice = InvoicingActivities(db, settings).issue_invoice(
        IssueInvoiceInput(order_id=order.order_id, payment_reference="p", at=NOW)
    )
    for statement in (
        update(Invoice).where(Invoice.number == invoice.number).values(grand_total=0),
        delete(Invoice).where(Invoice.number == invoice.number),
    ):
        with pytest.raises(IntegrityError, match="cannot be changed"), db.transaction() as s:
            s.execute(statement)
