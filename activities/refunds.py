"""Refunds: money back through the gateway, and a credit note for each invoice it corrects,
in its own gap-free series. A refund never exceeds what was captured net of earlier refunds."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import structlog
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity

from activities.failures import business_rules
from activities.invoicing import InvoicingActivities
from activities.payments import call_gateway
from contracts.refunds import RefundInput, RefundOutcome
from db import order_log
from db.engine import Database
from db.models import CreditNote, Invoice, Order, Payment
from db.numbering import next_number
from domain.errors import ErrorCode, OrdinoError
from domain.money import round_money
from providers.payment_gateway import PaymentGateway

log = structlog.get_logger()


class RefundActivities:
    def __init__(self, db: Database, gateway: PaymentGateway, invoicing: InvoicingActivities) -> None:
        self._db = db
        self._gateway = gateway
        self._invoicing = invoicing

    def _plan(self, inp: RefundInput, base: str) -> list[tuple[Invoice, Decimal]]:
        """Which invoices (newest first) give back how much. Parts an earlier attempt of this
        same refund already booked are left out, so a retry finishes the refund, never repeats it."""
        with self._db.reader() as s:
            invoices = list(s.scalars(select(Invoice).where(Invoice.order_id == inp.order_id)
                                      .order_by(Invoice.sequence.desc())))  # fmt: skip
            if inp.warehouse is not None:
                invoices = [
                    i for i in invoices if i.idempotency_key.endswith(f":{inp.warehouse}")
                ] or invoices
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
            booked = s.execute(
                select(CreditNote.invoice_number, CreditNote.grand_total).where(
                    CreditNote.idempotency_key.startswith(base + ":", autoescape=True)
                )
            ).all()
        done = sum((total for _, total in booked), Decimal(0))
        done_invoices = {number for number, _ in booked}
        remaining = inp.amount - done
        refundable = round_money(
            sum((i.grand_total - credited.get(i.number, 0) for i in invoices), Decimal(0)),
            invoices[0].currency,
        )
        if remaining > refundable and inp.at_most_refundable:
            remaining = refundable
        if remaining > refundable:
            raise OrdinoError(
                ErrorCode.REFUND_EXCEEDS_CAPTURED,
                f"At most {refundable} can be refunded on order {inp.order_id}",
                {"refundable": str(refundable)},
            )
        plan: list[tuple[Invoice, Decimal]] = []
        for inv in invoices:
            if remaining <= 0:
                break
            if inv.number in done_invoices:
                continue
            part = min(remaining, inv.grand_total - credited.get(inv.number, 0))
            if part > 0:
                plan.append((inv, part))
                remaining -= part
        return plan

    @activity.defn
    @business_rules
    def refund_payment(self, inp: RefundInput) -> RefundOutcome:
        base = f"{inp.order_id}:refund:{inp.reference}"
        for inv, part in self._plan(inp, base):
            key = f"{base}:{inv.number}"
            capture = inv.payment_reference or ""
            result = call_gateway(self._gateway, key, partial(self._gateway.refund, key, capture, part))
            if not result.approved:
                raise OrdinoError(
                    ErrorCode.REFUND_EXCEEDS_CAPTURED, f"The gateway refused: {result.decline_code}"
                )
            self._book(inp, key, inv, part, result.reference)
        with self._db.reader() as s:
            notes = s.execute(
                select(CreditNote.number, CreditNote.grand_total, CreditNote.currency)
                .where(CreditNote.idempotency_key.startswith(base + ":", autoescape=True))
                .order_by(CreditNote.sequence)
            ).all()
        refunded = sum((round_money(total, currency) for _, total, currency in notes), Decimal(0))
        return RefundOutcome(refunded=refunded, credit_notes=[number for number, _, _ in notes])

    def _book(self, inp: RefundInput, key: str, inv: Invoice, amount: Decimal, reference: str) -> None:
        """Our payment row, the credit note and the audit event, once per key."""
        with self._db.transaction() as s:
            order = s.get(Order, inp.order_id, with_for_update=True)
            assert order is not None
            if s.scalar(select(CreditNote.number).where(CreditNote.idempotency_key == key)) is not None:
                return
            # VAT comes back in the invoice's own proportion, rounded on the running total so
            # that all credit notes of an invoice together never return more VAT than it had.
            before_total, before_tax = s.execute(
                select(
                    func.coalesce(func.sum(CreditNote.grand_total), 0),
                    func.coalesce(func.sum(CreditNote.tax_total), 0),
                ).where(CreditNote.invoice_number == inv.number)
            ).one()
            tax = (
                round_money((before_total + amount) * inv.tax_total / inv.grand_total, inv.currency)
                - before_tax
            )
            number, sequence = next_number(s, self._invoicing.credit_note_series, inp.at.year)
            s.execute(
                insert(CreditNote).values(
                    number=number, series=self._invoicing.credit_note_series, year=inp.at.year,
                    sequence=sequence, idempotency_key=key, order_id=inp.order_id, invoice_number=inv.number,
                    issued_at=inp.at, currency=inv.currency, net_total=amount - tax, tax_total=tax,
                    grand_total=amount, reason=inp.reason, refund_reference=reference,
                    document={**self._invoicing.parties(order), "invoice": inv.number, "reason": inp.reason,
                              "notes": inv.document.get("notes", [])},
                )
            )  # fmt: skip
            s.execute(
                insert(Payment)
                .values(order_id=inp.order_id, idempotency_key=key, operation="refund", status="approved",
                        amount=amount, currency=inv.currency, gateway_reference=reference, at=inp.at)
                .on_conflict_do_nothing(index_elements=[Payment.idempotency_key])
            )  # fmt: skip
            order_log.append_event(
                s, inp.order_id, key, "refund_issued", None, inp.at, actor=inp.actor, reason=inp.reason,
                data={"amount": str(amount), "credit_note": number, "invoice": inv.number},
            )  # fmt: skip
        log.info("refund issued", amount=str(amount), credit_note=number, invoice=inv.number)
