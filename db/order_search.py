"""Finding orders the way support looks for them: by anything a customer or a colleague
quotes (order id, the channel's id, e-mail, name, tracking or invoice number), narrowed by
status, channel, dates and what needs attention, sorted and paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from db import alerts
from db.models import Invoice, Order, OrderEvent, ReturnRow, Shipment, Warehouse
from db.order_views import OrderPage, OrderSummary, _summary
from domain.returns import CLOSED_STATES
from domain.status import OrderStatus


class SortBy(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    UPDATED = "updated"
    TOTAL = "total"


@dataclass(frozen=True)
class OrderSearch:
    text: str | None = None
    status: OrderStatus | None = None
    channel: str | None = None
    placed_from: date | None = None
    placed_to: date | None = None  # inclusive
    late: bool = False
    on_hold: bool = False
    open_return: bool = False
    sort: SortBy = SortBy.NEWEST
    limit: int = 25
    offset: int = 0


def _late() -> ColumnElement[bool]:
    return exists().where(OrderEvent.order_id == Order.id, OrderEvent.type == "delivery_late")


def _open_return() -> ColumnElement[bool]:
    closed = [s.value for s in CLOSED_STATES]
    return exists().where(ReturnRow.order_id == Order.id, ReturnRow.status.not_in(closed))


def _held() -> ColumnElement[bool]:
    """On hold: the order's status, or an open support alert (a parked step, an address
    the carrier refused) that waits for someone."""
    open_alert = exists().where(
        OrderEvent.order_id == Order.id, OrderEvent.type == alerts.RAISED, alerts.still_open()
    )
    return or_(Order.status == OrderStatus.ON_HOLD.value, open_alert)


def _matching(text: str) -> ColumnElement[bool]:
    """Exact for ids and numbers (what people copy), a substring for names and e-mails."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(
        Order.id == text,
        Order.external_id == text,
        Order.customer_id == text,
        Order.customer_email.ilike(pattern, escape="\\"),
        Order.customer_name.ilike(pattern, escape="\\"),
        exists().where(Shipment.order_id == Order.id, Shipment.tracking_number == text),
        exists().where(Invoice.order_id == Order.id, Invoice.number == text),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _filtered(search: OrderSearch) -> Select[Any]:
    query = select(Order)
    text = (search.text or "").strip()
    conditions: list[ColumnElement[bool]] = [_matching(text)] if text else []
    if search.status:
        conditions.append(Order.status == search.status.value)
    if search.channel:
        conditions.append(Order.channel == search.channel)
    if search.placed_from:
        conditions.append(Order.created_at >= _day_start(search.placed_from))
    if search.placed_to:
        conditions.append(Order.created_at < _day_start(search.placed_to + timedelta(days=1)))
    if search.late:
        conditions.append(_late())
    if search.on_hold:
        conditions.append(_held())
    if search.open_return:
        conditions.append(_open_return())
    return query.where(*conditions)


_ORDER_BY: dict[SortBy, tuple[Any, ...]] = {
    SortBy.NEWEST: (Order.created_at.desc(), Order.id),
    SortBy.OLDEST: (Order.created_at.asc(), Order.id),
    SortBy.UPDATED: (Order.updated_at.desc(), Order.id),
    SortBy.TOTAL: (Order.grand_total.desc(), Order.id),
}


def search_orders(session: Session, search: OrderSearch) -> OrderPage:
    query = _filtered(search)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(*_ORDER_BY[search.sort]).limit(search.limit).offset(search.offset))
    items = [OrderSummary(**_summary(o)) for o in page]
    return OrderPage(total=total, limit=search.limit, offset=search.offset, items=items)


def channels(session: Session) -> list[str]:
    """The channels that have orders, for the filter's choices."""
    return list(session.scalars(select(Order.channel).distinct().order_by(Order.channel)))


def warehouses(session: Session) -> list[str]:
    """Where a return may be booked in."""
    return list(session.scalars(select(Warehouse.code).order_by(Warehouse.code)))
