"""Payments and their tokens, and the documents numbered without gaps: invoices and credit notes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
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


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    operation: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    decline_code: Mapped[str | None] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PaymentToken(Base):
    """The channel's payment token of an order, written by the API before the order's
    workflow starts, so it never enters a workflow's input or history: the payment steps
    read it here by the order id. No foreign key: it is written before the order's row."""

    __tablename__ = "payment_tokens"
    order_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    token: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceCounter(Base):
    """The last number issued per series and year; its row lock makes numbering gap-free."""

    __tablename__ = "invoice_counters"
    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument:
    """What invoices and credit notes share: a gap-free number in a series and year, the
    order, the amounts and the rendered content, all fixed once issued."""

    number: Mapped[str] = mapped_column(String(30), primary_key=True)
    series: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    grand_total: Mapped[Decimal] = mapped_column(Money)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Invoice(IssuedDocument, Base):
    __tablename__ = "invoices"
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("series", "year", "sequence", name="invoices_gap_free"),)


class CreditNote(IssuedDocument, Base):
    """A refund on paper: its own gap-free series, always referring to the invoice it corrects."""

    __tablename__ = "credit_notes"
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.number"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    refund_reference: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (
        UniqueConstraint("series", "year", "sequence", name="credit_notes_gap_free"),
        CheckConstraint("grand_total > 0", name="credit_note_positive"),
    )
