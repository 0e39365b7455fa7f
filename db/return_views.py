"""What support sees of returns: read from PostgreSQL, not from the workflows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.invoice_views import refund_credit_notes
from db.models import Order, ReturnLineRow, ReturnRow
from domain.money import round_money
from domain.returns import ReturnStatus


class ReturnLineView(BaseModel):
    sku: str
    quantity: int
    reason: str
    exchange_sku: str | None
    resellable: int
    damaged: int
    accepted: int


class ReturnView(BaseModel):
    id: str
    order_id: str
    reference: str
    status: str
    resolution: str
    note: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decision_reason: str | None
    label_tracking_number: str | None
    warehouse: str | None
    received_at: datetime | None
    refunded: Decimal
    outcome: dict[str, Any]
    lines: list[ReturnLineView]
    credit_notes: list[str]


def return_view(s: Session, return_id: str) -> ReturnView | None:
    row = s.get(ReturnRow, return_id)
    if row is None:
        return None
    currency = s.scalar(select(Order.currency).where(Order.id == row.order_id)) or "EUR"
    lines = s.scalars(
        select(ReturnLineRow).where(ReturnLineRow.return_id == return_id).order_by(ReturnLineRow.sku)
    )
    # A return's refund carries the return id as its reference.
    notes = [number for number, _, _ in refund_credit_notes(s, row.order_id, return_id)]
    columns = {name: getattr(row, name) for name in ReturnView.model_fields if hasattr(row, name)}
    return ReturnView(
        **columns
        | {
            "refunded": round_money(row.refunded, currency),
            "lines": [ReturnLineView.model_validate(ln, from_attributes=True) for ln in lines],
            "credit_notes": notes,
        }
    )


def returns_of(s: Session, order_id: str) -> list[ReturnView]:
    ids = s.scalars(
        select(ReturnRow.id).where(ReturnRow.order_id == order_id).order_by(ReturnRow.requested_at)
    )
    return [v for i in ids if (v := return_view(s, i)) is not None]


# Returns support may have to act on: waiting for a decision (requested), for their parcel
# (approved), or inspected and not yet settled (received).
OPEN = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED)


def open_returns(s: Session, limit: int = 100, status: ReturnStatus | None = None) -> list[ReturnView]:
    """Open returns, oldest first; of one status only if given (none for a closed one)."""
    wanted = [st.value for st in OPEN if status in (None, st)]
    ids = s.scalars(
        select(ReturnRow.id).where(ReturnRow.status.in_(wanted)).order_by(ReturnRow.requested_at).limit(limit)
    )
    return [v for i in ids if (v := return_view(s, i)) is not None]
