"""Invoices as customers and accountants read them, from the immutable rows written when
each shipment's payment was captured."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import CreditNote, Invoice
from domain.money import round_money
from domain.quote import QuoteLine, ShippingCharge
from domain.refunds import part_key


class TaxLine(BaseModel):
    rate: Decimal
    net: Decimal
    tax: Decimal


class InvoiceSummary(BaseModel):
    number: str
    order_id: str
    issued_at: datetime
    currency: str
    grand_total: Decimal


class InvoiceDetail(InvoiceSummary):
    net_total: Decimal
    tax_total: Decimal
    payment_reference: str | None
    seller: dict[str, Any]
    buyer: dict[str, Any]
    warehouse: str | None
    prices_include_tax: bool
    lines: list[QuoteLine]
    shipping: ShippingCharge | None
    tax_breakdown: list[TaxLine]
    notes: list[str] = []


class InvoicePage(BaseModel):
    total: int
    items: list[InvoiceSummary]


def _summary(inv: Invoice) -> dict[str, Any]:
    return {
        "number": inv.number,
        "order_id": inv.order_id,
        "issued_at": inv.issued_at,
        "currency": inv.currency,
        "grand_total": round_money(inv.grand_total, inv.currency),
    }


def invoice_detail(session: Session, number: str) -> InvoiceDetail | None:
    inv = session.get(Invoice, number)
    if inv is None:
        return None
    doc = inv.document
    return InvoiceDetail(
        **_summary(inv),
        net_total=round_money(inv.net_total, inv.currency),
        tax_total=round_money(inv.tax_total, inv.currency),
        payment_reference=inv.payment_reference,
        seller=doc["seller"],
        buyer=doc["buyer"],
        warehouse=doc.get("warehouse"),
        prices_include_tax=doc.get(
            "prices_include_tax", doc.get("quote", {}).get("prices_include_tax", True)
        ),
        # Early invoices stored the whole quote instead of their own lines.
        lines=doc.get("lines") or doc.get("quote", {}).get("lines", []),
        shipping=doc.get("shipping") or doc.get("quote", {}).get("shipping"),
        tax_breakdown=doc.get("tax_breakdown") or doc.get("quote", {}).get("tax_breakdown", []),
        notes=doc.get("notes", []),
    )


def list_invoices(
    session: Session, order_id: str | None = None, limit: int = 50, offset: int = 0
) -> InvoicePage:
    query = select(Invoice)
    if order_id:
        query = query.where(Invoice.order_id == order_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Invoice.series, Invoice.year.desc(), Invoice.sequence.desc())
        .limit(limit)
        .offset(offset)
    )
    return InvoicePage(total=total, items=[InvoiceSummary(**_summary(i)) for i in rows])


class CreditNoteView(BaseModel):
    number: str
    order_id: str
    invoice_number: str
    issued_at: datetime
    currency: str
    net_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    reason: str
    refund_reference: str | None
    notes: list[str] = []


def _credit_note(note: CreditNote) -> CreditNoteView:
    view = CreditNoteView.model_validate(note, from_attributes=True)
    q = {f: round_money(getattr(view, f), note.currency) for f in ("net_total", "tax_total", "grand_total")}
    return view.model_copy(update={**q, "notes": note.document.get("notes", [])})


def credit_notes(session: Session, order_id: str | None = None, limit: int = 50) -> list[CreditNoteView]:
    query = select(CreditNote)
    if order_id:
        query = query.where(CreditNote.order_id == order_id)
    return [_credit_note(n) for n in session.scalars(query.order_by(CreditNote.sequence.desc()).limit(limit))]


def refund_credit_notes(session: Session, order_id: str, reference: str) -> list[tuple[str, Decimal, str]]:
    """(number, amount, currency) of the credit notes of the refund with this reference, in
    the order they were issued: one per invoice the refund took money from."""
    invoices = session.scalars(select(Invoice.number).where(Invoice.order_id == order_id))
    rows = session.execute(
        select(CreditNote.number, CreditNote.grand_total, CreditNote.currency)
        .where(CreditNote.idempotency_key.in_([part_key(order_id, reference, number) for number in invoices]))
        .order_by(CreditNote.year, CreditNote.sequence)
    ).all()
    return [(number, total, currency) for number, total, currency in rows]


def credit_note(session: Session, number: str) -> CreditNoteView | None:
    note = session.get(CreditNote, number)
    return _credit_note(note) if note else None


class CreditNoteDetail(CreditNoteView):
    """A credit note as printed: who credits whom."""

    seller: dict[str, Any]
    buyer: dict[str, Any]


def credit_note_detail(session: Session, number: str) -> CreditNoteDetail | None:
    note = session.get(CreditNote, number)
    if note is None:
        return None
    doc = note.document
    return CreditNoteDetail(**_credit_note(note).model_dump(), seller=doc["seller"], buyer=doc["buyer"])
