"""Fulfillments (a warehouse picking and packing an order's parcel) and shipments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Money


class Fulfillment(Base):
    """A warehouse picking and packing one parcel of an order."""

    __tablename__ = "fulfillments"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    status: Mapped[str] = mapped_column(String(20))
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    packed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    packed_by: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (
        UniqueConstraint("order_id", "warehouse", name="fulfillments_one_per_warehouse"),
        CheckConstraint("status IN ('picking', 'packed', 'cancelled')", name="fulfillment_status"),
    )


class Shipment(Base):
    __tablename__ = "shipments"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(30))
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal | None] = mapped_column(Money)
    label_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A reshipment names the parcel that was lost, damaged or returned.
    replaces: Mapped[str | None] = mapped_column(String(64))
