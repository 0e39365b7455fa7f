"""The read side: orders as the API, the CLI and the console show them, straight from
PostgreSQL (never from Temporal visibility)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import order_log, stock
from db.invoice_views import refund_credit_notes
from db.models import (
    CreditNote,
    CustomerNotification,
    Invoice,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Shipment,
    StockReservation,
)
from domain.money import round_money
from domain.orders import AcceptedOrder, Reservation
from domain.quote import Quote, QuoteLine
from domain.status import OrderStatus


class PaymentView(BaseModel):
    operation: str
    status: str
    amount: Decimal
    currency: str
    gateway_reference: str | None
    decline_code: str | None
    at: datetime


class InvoiceView(BaseModel):
    number: str
    issued_at: datetime
    grand_total: Decimal
    currency: str


class CreditNoteSummary(BaseModel):
    """A credit note of the order: money given back on an invoice (refund, cancellation, return)."""

    number: str
    invoice_number: str
    issued_at: datetime
    grand_total: Decimal
    currency: str
    reason: str


class ShipmentView(BaseModel):
    id: str
    warehouse: str
    carrier: str
    tracking_number: str
    status: str
    booked_at: datetime
    delivered_at: datetime | None


class EventView(BaseModel):
    at: datetime
    type: str
    status: str
    actor: str
    reason: str | None
    data: dict[str, Any]
    # Written by staff for staff (a note, an alert acknowledged or resolved by hand): shown
    # to support and finance only, never to a channel, whose pages customers read.
    internal: bool = False


class NotificationView(BaseModel):
    kind: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    sent_at: datetime | None


class OrderSummary(BaseModel):
    id: str
    channel: str
    external_id: str
    customer_id: str
    status: str
    currency: str
    grand_total: Decimal
    created_at: datetime
    updated_at: datetime


class OrderDetail(OrderSummary):
    customer_email: str
    customer_name: str
    status_reason: str | None
    shipping_address: dict[str, Any]
    lines: list[QuoteLine]
    net_total: Decimal
    tax_total: Decimal
    quote: Quote
    reservations: list[Reservation]
    payments: list[PaymentView]
    invoices: list[InvoiceView]
    credit_notes: list[CreditNoteSummary]
    shipments: list[ShipmentView]
    timeline: list[EventView]
    notifications: list[NotificationView]
    # A parcel missed its delivery SLA (support was alerted).
    late: bool = False


class OrderPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[OrderSummary]


def _summary(o: Order) -> dict[str, Any]:
    summary = {f: getattr(o, f) for f in OrderSummary.model_fields}
    summary["grand_total"] = round_money(o.grand_total, o.currency)
    return summary


def _in_currency(row: Any, currency: str, *fields: str) -> dict[str, Any]:
    """A row as a dict, its amounts shown at the currency's minor unit (stored with 4 places)."""
    data = {c.key: getattr(row, c.key) for c in row.__table__.columns}
    for f in fields:
        data[f] = round_money(data[f], currency)
    return data


def reservations(session: Session, order_id: str, held_only: bool = False) -> list[Reservation]:
    """The order's reservations per SKU and warehouse; `held_only`: just the units it holds or
    has shipped (what an edit or a cancellation gave back no longer counts)."""
    query = select(StockReservation).where(StockReservation.order_id == order_id)
    if held_only:
        query = query.where(StockReservation.quantity > 0, StockReservation.state != "released")
    rows = session.scalars(query.order_by(StockReservation.sku, StockReservation.warehouse))
    return [Reservation(sku=r.sku, warehouse=r.warehouse, quantity=r.quantity) for r in rows]


def order_exists(session: Session, order_id: str) -> bool:
    return session.scalar(select(Order.id).where(Order.id == order_id)) is not None


def accepted_order(session: Session, order_id: str) -> AcceptedOrder | None:
    """The order as it was accepted, with its current status; None if never accepted."""
    o = session.get(Order, order_id)
    if o is None:
        return None
    return AcceptedOrder(
        order_id=o.id,
        channel=o.channel,
        external_id=o.external_id,
        customer_id=o.customer_id,
        status=OrderStatus(o.status),
        quote=Quote.model_validate(o.quote),
        reservations=reservations(session, o.id),
        backordered=stock.waiting(session, o.id),
        request_fingerprint=o.request_fingerprint,
        accepted_at=o.created_at,
    )


def _timeline(events: list[OrderEvent], internal: bool) -> list[EventView]:
    views = [
        EventView.model_validate(e, from_attributes=True).model_copy(
            update={"internal": bool(e.data.get(order_log.INTERNAL))}
        )
        for e in events
    ]
    return views if internal else [v for v in views if not v.internal]


def order_detail(session: Session, order_id: str, internal: bool = True) -> OrderDetail | None:
    """The order read in one snapshot (call it first in a session): a step that commits
    meanwhile, such as an event and the mail it sent, shows whole or not at all. Without
    `internal`, the timeline leaves out what staff wrote for staff."""
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    o = session.get(Order, order_id)
    if o is None:
        return None

    def rows(model: Any, *order_by: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.order_id == order_id).order_by(*order_by)))

    def views(view: type[BaseModel], items: list[Any], *amounts: str) -> list[Any]:
        return [view.model_validate(_in_currency(i, o.currency, *amounts)) for i in items]

    timeline = _timeline(rows(OrderEvent, OrderEvent.at, OrderEvent.id), internal)
    return OrderDetail(
        **_summary(o),
        customer_email=o.customer_email,
        customer_name=o.customer_name,
        status_reason=o.status_reason,
        shipping_address=o.shipping_address,
        lines=views(QuoteLine, rows(OrderLine, OrderLine.line_no), "unit_price", "net", "tax", "total"),
        net_total=round_money(o.net_total, o.currency),
        tax_total=round_money(o.tax_total, o.currency),
        quote=Quote.model_validate(o.quote),
        reservations=reservations(session, o.id),
        payments=views(PaymentView, rows(Payment, Payment.id), "amount"),
        invoices=views(InvoiceView, rows(Invoice, Invoice.sequence), "grand_total"),
        credit_notes=views(CreditNoteSummary, rows(CreditNote, CreditNote.sequence), "grand_total"),
        shipments=views(ShipmentView, rows(Shipment, Shipment.id)),
        timeline=timeline,
        notifications=views(NotificationView, rows(CustomerNotification, CustomerNotification.id)),
        late=any(e.type == "delivery_late" for e in timeline),
    )


def list_orders(
    session: Session,
    status: str | None = None,
    channel: str | None = None,
    customer_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> OrderPage:
    query = select(Order)
    if status:
        query = query.where(Order.status == status)
    if channel:
        query = query.where(Order.channel == channel)
    if customer_id:
        query = query.where(Order.customer_id == customer_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(Order.created_at.desc(), Order.id).limit(limit).offset(offset))
    return OrderPage(
        total=total,
        limit=limit,
        offset=offset,
        items=[OrderSummary(**_summary(o)) for o in page],
    )


def order_id_for_tracking(session: Session, tracking_number: str) -> str | None:
    return session.scalar(select(Shipment.order_id).where(Shipment.tracking_number == tracking_number))


def order_id_for_payment(session: Session, gateway_reference: str) -> str | None:
    return session.scalar(
        select(Payment.order_id).where(Payment.gateway_reference == gateway_reference).limit(1)
    )


def cancelled_by(session: Session, order_id: str, reference: str) -> Decimal | None:
    """What the cancellation with this reference refunded, if it cancelled the order; None if
    the order is not cancelled by it. A cancellation whose answer was lost with its workflow
    task is answered from this when it is sent again to a workflow that has closed."""
    order = session.get(Order, order_id)
    requested = session.scalar(
        select(OrderEvent.id).where(OrderEvent.order_id == order_id, OrderEvent.key == f"cancel:{reference}")
    )
    if order is None or order.status != OrderStatus.CANCELLED.value or requested is None:
        return None
    # A whole cancellation's refund has the reference "cancellation" (workflows/order.py).
    refunded = sum(
        (total for _, total, _ in refund_credit_notes(session, order_id, "cancellation")), Decimal(0)
    )
    return round_money(refunded, order.currency)
