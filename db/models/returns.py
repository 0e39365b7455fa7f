"""Returns and their lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Money


class ReturnRow(Base):
    """A return (or exchange) of part of an order, from request to refund or replacement."""

    __tablename__ = "returns"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    resolution: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    label_tracking_number: Mapped[str | None] = mapped_column(String(64))
    warehouse: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded: Mapped[Decimal] = mapped_column(Money, default=0)
    # What closing produced: credit notes, a charge, replacement parcels.
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("order_id", "reference", name="returns_once_per_reference"),)


class ReturnLineRow(Base):
    __tablename__ = "return_lines"
    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(30))
    exchange_sku: Mapped[str | None] = mapped_column(ForeignKey("products.sku"))
    resellable: Mapped[int] = mapped_column(Integer, default=0)
    damaged: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        CheckConstraint("quantity > 0 AND resellable + damaged <= quantity AND accepted <= quantity",
                        name="return_line_quantities"),
    )  # fmt: skip
