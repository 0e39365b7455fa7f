"""Issuing the invoice. Its number is allocated from a counter row in the same transaction
that inserts the invoice, so numbers per series and year have no gaps and no duplicates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import insert
from temporalio import activity

from activities.failures import business_rules
from contracts.invoicing import IssueInvoiceInput
from db.engine import Database
from db.models import Invoice, Order
from db.numbering import next_number
from db.unit_of_work import UnitOfWork, run_once
from domain.fulfillment import Fulfillment
from domain.orders import InvoiceIssued
from domain.quote import Quote
from settings import Settings

log = structlog.get_logger()


class InvoicingActivities:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    @property
    def credit_note_series(self) -> str:
        return self._settings.credit_note_series

    def parties(self, order: Order) -> dict[str, Any]:
        return {
            "seller": {"name": self._settings.seller_name, "vat_id": self._settings.seller_vat_id},
            "buyer": {
                "id": order.customer_id,
                "name": order.customer_name,
                "email": order.customer_email,
                "address": order.shipping_address,
                "vat_id": order.quote.get("buyer_vat_id"),
            },
        }

    def _document(self, order: Order, quote: Quote, part: Fulfillment | None) -> dict[str, Any]:
        lines = part.lines if part else quote.lines
        shipping = part.shipping if part else quote.shipping
        buckets: dict[Decimal, list[Decimal]] = {}
        for rate, net, tax in [(ln.tax_rate, ln.net, ln.tax) for ln in lines] + (
            [(shipping.tax_rate, shipping.net, shipping.tax)] if shipping else []
        ):
            bucket = buckets.setdefault(rate, [Decimal(0), Decimal(0)])
            bucket[0] += net
            bucket[1] += tax
        return {
            "currency": quote.currency,
            "prices_include_tax": quote.prices_include_tax,
            "warehouse": part.warehouse if part else None,
            "lines": [ln.model_dump(mode="json") for ln in lines],
            "shipping": shipping.model_dump(mode="json") if shipping else None,
            # Legal notes (reverse charge) must appear on every invoice of the order.
            "notes": quote.notes,
            "tax_breakdown": [
                {"rate": str(rate), "net": str(net), "tax": str(tax)}
                for rate, (net, tax) in sorted(buckets.items())
            ],
            **self.parties(order),
        }

    @activity.defn
    @business_rules
    def issue_invoice(self, inp: IssueInvoiceInput) -> InvoiceIssued:
        part = inp.fulfillment
        key = f"{inp.order_id}:invoice" + (f":{part.warehouse}" if part else "")
        return run_once(self._db, inp.order_id, key, InvoiceIssued, lambda uow: self._issue(uow, inp, key))

    def _issue(self, uow: UnitOfWork, inp: IssueInvoiceInput, key: str) -> InvoiceIssued:
        part = inp.fulfillment
        series, year = self._settings.invoice_series, inp.at.year
        order = uow.order(inp.order_id, lock=True)
        quote = Quote.model_validate(order.quote)
        number, sequence = next_number(uow.session, series, year)
        total = part.amount if part else quote.grand_total
        uow.session.execute(
            insert(Invoice).values(
                number=number,
                series=series,
                year=year,
                sequence=sequence,
                idempotency_key=key,
                order_id=order.id,
                issued_at=inp.at,
                currency=quote.currency,
                net_total=part.net_total if part else quote.net_total,
                tax_total=part.tax_total if part else quote.tax_total,
                grand_total=total,
                payment_reference=inp.payment_reference,
                document=self._document(order, quote, part),
            )
        )
        uow.record(
            order.id,
            key,
            "invoice_issued",
            inp.order_status,
            inp.at,
            data={"number": number, "grand_total": str(total), "warehouse": part.warehouse if part else None},
        )
        log.info("invoice issued", order_id=inp.order_id, number=number)
        return InvoiceIssued(number=number, total=total)
