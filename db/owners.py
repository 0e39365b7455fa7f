"""Whose a resource is: the sales channel of the order it belongs to, and the warehouse that
ships or receives it. A channel or warehouse key reaches only what is its own."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CreditNote, Invoice, Order, ReturnRow, Shipment


@dataclass(frozen=True)
class Owners:
    channel: str | None
    warehouse: str | None = None


def of_order(s: Session, order_id: str) -> Owners | None:
    channel = s.scalar(select(Order.channel).where(Order.id == order_id))
    return None if channel is None else Owners(channel)


def of_return(s: Session, return_id: str) -> Owners | None:
    row = s.execute(
        select(Order.channel, ReturnRow.warehouse)
        .join(Order, Order.id == ReturnRow.order_id)
        .where(ReturnRow.id == return_id)
    ).first()
    return None if row is None else Owners(row.channel, row.warehouse)


def of_document(s: Session, number: str) -> Owners | None:
    """An invoice or a credit note, by its number."""
    for document in (Invoice, CreditNote):
        channel = s.scalar(
            select(Order.channel)
            .join(document, document.order_id == Order.id)
            .where(document.number == number)
        )
        if channel is not None:
            return Owners(channel)
    return None


def of_parcel(s: Session, tracking_number: str) -> Owners | None:
    """A parcel to the customer, or a return's parcel coming back (by its label)."""
    sent = s.execute(
        select(Order.channel, Shipment.warehouse)
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.tracking_number == tracking_number)
    ).first()
    if sent is not None:
        return Owners(sent.channel, sent.warehouse)
    back = s.execute(
        select(Order.channel, ReturnRow.warehouse)
        .join(Order, Order.id == ReturnRow.order_id)
        .where(ReturnRow.label_tracking_number == tracking_number)
    ).first()
    return None if back is None else Owners(back.channel, back.warehouse)
