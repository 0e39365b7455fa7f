"""The sandbox providers' own tables: gateway transactions and carrier parcels."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Money, _now


class SandboxGatewayTransaction(Base):
    __tablename__ = "sandbox_gateway_transactions"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    operation: Mapped[str] = mapped_column(String(20))
    parent_reference: Mapped[str | None] = mapped_column(String(40))
    token: Mapped[str | None] = mapped_column(String(128))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    decline_code: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = _now()


class SandboxCarrierParcel(Base):
    __tablename__ = "sandbox_carrier_parcels"
    tracking_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[dict[str, Any]] = mapped_column(JSONB)
    weight_grams: Mapped[int] = mapped_column(Integer)
    journey_step: Mapped[int] = mapped_column(Integer, default=0)
    next_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = _now()
    # The warehouse it leaves from, and the statuses it will report ("wait": a silent step).
    sender: Mapped[str | None] = mapped_column(String(20))
    journey: Mapped[list[str] | None] = mapped_column(JSONB)
