"""Refunds: money back through the gateway, and a credit note for each invoice it corrects,
in its own gap-free series. A refund never exceeds what was captured net of earlier refunds.

A refund comes in parts, one per invoice (domain/refunds.py splits it). Each part is an
effect of its own under the key `{order}:refund:{reference}:{invoice}`: the gateway refund
goes out under that key, and the credit note, our payment row and the order event are booked
under it once. A retry plans again, counting the parts already booked, so it finishes a
refund and never repeats one."""

from __future__ import annotations

from decimal import Decimal

import structlog
from pydantic import BaseModel
from sqlalchemy import func, insert, select
from temporalio import activity

from activities.failures import business_rules
from activities.invoicing import InvoicingActivities
from activities.payments import call_gateway
from contracts.refunds import RefundInput, RefundOutcome
from db import invoice_views
from db.engine import Database
from db.models import CreditNote, Invoice, Payment
from db.numbering import next_number
from db.unit_of_work import UnitOfWork, call_once
from domain.errors import ErrorCode, OrdinoError
from domain.money import round_money
from domain.refunds import CreditableInvoice, RefundPart, credit_note_tax, part_key, split_refund
from providers.payment_gateway import GatewayResult, PaymentGateway

log = structlog.get_logger()


class CreditNoteIssued(BaseModel):
    """What booking one part of a refund answers."""

    number: str
    amount: Decimal
    currency: str


class RefundActivities:
    def __init__(self, db: Database, gateway: PaymentGateway, invoicing: InvoicingActivities) -> None:
        self._db = db
        self._gateway = gateway
        self._invoicing = invoicing

    @activity.defn
    @business_rules
    def refund_payment(self, inp: RefundInput) -> RefundOutcome:
        for part in self._plan(inp):
            self._refund(inp, part)
        # Every part of this refund, this attempt's and earlier ones', in the order issued.
        with self._db.reader() as s:
            notes = invoice_views.refund_credit_notes(s, inp.order_id, inp.reference)
        return RefundOutcome(
            refunded=sum((round_money(total, currency) for _, total, currency in notes), Decimal(0)),
            credit_notes=[number for number, _, _ in notes],
        )

    def _plan(self, inp: RefundInput) -> list[RefundPart]:
        """What is left to give back of this refund, per invoice (newest first): the parts an
        earlier attempt booked are counted and left out."""
        with self._db.reader() as s:
            invoices = list(s.scalars(select(Invoice).where(Invoice.order_id == inp.order_id)
                                      .order_by(Invoice.sequence.desc())))  # fmt: skip
            keys = {part_key(inp.order_id, inp.reference, i.number): i.number for i in invoices}
            booked = UnitOfWork(s).answers(inp.order_id, keys, CreditNoteIssued)
            done = {keys[key]: note.amount for key, note in booked.items()}
            if inp.warehouse is not None:
                # A parcel's refund comes off the invoice of that parcel's capture, if it had one.
                invoices = [i for i in invoices if i.document.get("warehouse") == inp.warehouse] or invoices
            if not invoices:
                raise OrdinoError(
                    ErrorCode.NO_CAPTURE, f"Order {inp.order_id} has no captured payment to refund"
                )
            credited = dict(
                s.execute(
                    select(CreditNote.invoice_number, func.sum(CreditNote.grand_total))
                    .where(CreditNote.order_id == inp.order_id)
                    .group_by(CreditNote.invoice_number)
                ).all()
            )
        creditable = [
            CreditableInvoice(i.number, i.grand_total, credited.get(i.number, Decimal(0))) for i in invoices
        ]
        return split_refund(
            inp.amount, creditable, invoices[0].currency, done, inp.at_most_refundable, order_id=inp.order_id
        )

    def _refund(self, inp: RefundInput, part: RefundPart) -> CreditNoteIssued:
        key = part_key(inp.order_id, inp.reference, part.invoice)
        with self._db.reader() as s:
            capture = s.scalar(select(Invoice.payment_reference).where(Invoice.number == part.invoice)) or ""

        def call() -> GatewayResult:
            result = call_gateway(self._gateway, key, lambda: self._gateway.refund(key, capture, part.amount))
            if not result.approved:
                raise OrdinoError(
                    ErrorCode.REFUND_EXCEEDS_CAPTURED, f"The gateway refused: {result.decline_code}"
                )
            return result

        return call_once(
            self._db, inp.order_id, key, CreditNoteIssued, call=call,
            book=lambda uow, result: self._book(uow, inp, key, part, result.reference),
        )  # fmt: skip

    def _book(
        self, uow: UnitOfWork, inp: RefundInput, key: str, part: RefundPart, reference: str
    ) -> CreditNoteIssued:
        """The credit note, our payment row and the order's event."""
        s = uow.session
        order = uow.order(inp.order_id, lock=True)
        inv = s.get(Invoice, part.invoice)
        assert inv is not None, f"invoice {part.invoice} has no row"
        before_total, before_tax = s.execute(
            select(
                func.coalesce(func.sum(CreditNote.grand_total), 0),
                func.coalesce(func.sum(CreditNote.tax_total), 0),
            ).where(CreditNote.invoice_number == inv.number)
        ).one()
        amount = part.amount
        tax = credit_note_tax(inv.grand_total, inv.tax_total, before_total, before_tax, amount, inv.currency)
        series = self._invoicing.credit_note_series
        number, sequence = next_number(s, series, inp.at.year)
        s.execute(
            insert(CreditNote).values(
                number=number, series=series, year=inp.at.year, sequence=sequence, idempotency_key=key,
                order_id=inp.order_id, invoice_number=inv.number, issued_at=inp.at, currency=inv.currency,
                net_total=amount - tax, tax_total=tax, grand_total=amount, reason=inp.reason,
                refund_reference=reference,
                document={**self._invoicing.parties(order), "invoice": inv.number, "reason": inp.reason,
                          "notes": inv.document.get("notes", [])},
            )
        )  # fmt: skip
        s.execute(
            insert(Payment).values(
                order_id=inp.order_id, idempotency_key=key, operation="refund", status="approved",
                amount=amount, currency=inv.currency, gateway_reference=reference, at=inp.at,
            )
        )  # fmt: skip
        uow.record(
            inp.order_id, key, "refund_issued", None, inp.at, actor=inp.actor, reason=inp.reason,
            data={"amount": str(amount), "credit_note": number, "invoice": inv.number},
        )  # fmt: skip
        log.info("refund issued", amount=str(amount), credit_note=number, invoice=inv.number)
        return CreditNoteIssued(number=number, amount=amount, currency=inv.currency)
