"""Issuing the invoice. Its number is allocated from a counter row in the same transaction
that inserts the invoice, so numbers per series and year have no gaps and no duplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity

from activities.failures import business_rules
from db import order_log
from db.engine import Database
from db.models import Invoice, InvoiceCounter, Order
from domain.orders import InvoiceIssued
from domain.quote import Quote
from domain.status import OrderStatus
from settings import Settings

log = structlog.get_logger()


class IssueInvoiceInput(BaseModel):
    order_id: str
    payment_reference: str
    at: datetime


def invoice_number(series: str, year: int, sequence: int) -> str:
    return f"{series}-{year}-{sequence:06d}"


class InvoicingActivities:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    def _document(self, order: Order, quote: Quote) -> dict[str, Any]:
        return {
            "seller": {"name": self._settings.seller_name, "vat_id": self._settings.seller_vat_id},
            "buyer": {
                "id": order.customer_id,
                "name": order.customer_name,
                "email": order.customer_email,
                "address": order.shipping_address,
            },
            "quote": quote.model_dump(mode="json"),
        }

    @activity.defn
    @business_rules
    def issue_invoice(self, inp: IssueInvoiceInput) -> InvoiceIssued:
        key = f"{inp.order_id}:invoice"
        series, year = self._settings.invoice_series, inp.at.year
        with self._db.transaction() as s:
            # Locking the order first makes a concurrent retry wait, then find the invoice.
            order = s.get(Order, inp.order_id, with_for_update=True)
            assert order is not None, f"order {inp.order_id} has no row"
            done = s.scalars(select(Invoice).where(Invoice.idempotency_key == key)).one_or_none()
            if done is not None:
                return InvoiceIssued(number=done.number, total=done.grand_total)
            quote = Quote.model_validate(order.quote)
            # The counter row stays locked until commit: a concurrent issuer waits, and a
            # rollback returns the number, so no number is ever skipped.
            sequence = s.execute(
                insert(InvoiceCounter)
                .values(series=series, year=year, last_number=1)
                .on_conflict_do_update(
                    index_elements=[InvoiceCounter.series, InvoiceCounter.year],
                    set_={"last_number": InvoiceCounter.last_number + 1},
                )
                .returning(InvoiceCounter.last_number)
            ).scalar_one()
            number = invoice_number(series, year, sequence)
            s.execute(
                insert(Invoice).values(
                    number=number,
                    series=series,
                    year=year,
                    sequence=sequence,
                    idempotency_key=key,
                    order_id=order.id,
                    issued_at=inp.at,
                    currency=quote.currency,
                    net_total=quote.net_total,
                    tax_total=quote.tax_total,
                    grand_total=quote.grand_total,
                    payment_reference=inp.payment_reference,
                    document=self._document(order, quote),
                )
            )
            order_log.append_event(
                s,
                order.id,
                key,
                "invoice_issued",
                OrderStatus.INVOICED,
                inp.at,
                data={"number": number, "grand_total": str(quote.grand_total)},
            )
        log.info("invoice issued", order_id=inp.order_id, number=number)
        return InvoiceIssued(number=number, total=quote.grand_total)
