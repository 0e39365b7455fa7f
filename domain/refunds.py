"""Refund arithmetic: how much money back comes from which invoice, and how much of each
credit note is VAT. Pure, so the rules are tested on their own (tests/unit/test_refunds.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.errors import ErrorCode, OrdinoError
from domain.money import round_money


def part_key(order_id: str, reference: str, invoice: str) -> str:
    """What the part of a refund on one invoice is known by: the gateway's idempotency key,
    the part's guard, and the key of its credit note and of its order event."""
    return f"{order_id}:refund:{reference}:{invoice}"


@dataclass(frozen=True)
class CreditableInvoice:
    """An invoice as a refund sees it: its total and what credit notes took off it so far."""

    number: str
    total: Decimal
    credited: Decimal

    @property
    def open(self) -> Decimal:
        return self.total - self.credited


@dataclass(frozen=True)
class RefundPart:
    invoice: str
    amount: Decimal


def split_refund(
    asked: Decimal,
    invoices: Sequence[CreditableInvoice],
    currency: str,
    done: Mapping[str, Decimal],
    at_most_refundable: bool = False,
    order_id: str = "",
) -> list[RefundPart]:
    """What is still to give back of a refund of `asked`, one part per invoice, in the order
    given (newest first), never more than an invoice has open. `done` holds the parts an
    earlier attempt of this same refund booked (invoice -> amount): they count towards
    `asked` and their invoices take no second part, so a retry finishes a refund and never
    repeats it. Asking for more than is open refuses, or with `at_most_refundable` gives
    back what is open."""
    remaining = asked - sum(done.values(), Decimal(0))
    refundable = round_money(sum((i.open for i in invoices), Decimal(0)), currency)
    if remaining > refundable and at_most_refundable:
        remaining = refundable
    if remaining > refundable:
        raise OrdinoError(
            ErrorCode.REFUND_EXCEEDS_CAPTURED,
            f"At most {refundable} can be refunded on order {order_id}",
            {"refundable": str(refundable)},
        )
    parts: list[RefundPart] = []
    for invoice in invoices:
        if remaining <= 0:
            break
        if invoice.number in done:
            continue
        part = min(remaining, invoice.open)
        if part > 0:
            parts.append(RefundPart(invoice.number, part))
            remaining -= part
    return parts


def credit_note_tax(
    invoice_total: Decimal,
    invoice_tax: Decimal,
    credited_total: Decimal,
    credited_tax: Decimal,
    amount: Decimal,
    currency: str,
) -> Decimal:
    """The VAT in a credit note of `amount` on an invoice that credit notes of
    `credited_total` (with `credited_tax` VAT) corrected before. VAT comes back in the
    invoice's own proportion, rounded on the running total, so all credit notes of an invoice
    together never give back more VAT than it had, and exactly that once it is all credited."""
    if invoice_total == 0:
        return Decimal(0)
    return round_money((credited_total + amount) * invoice_tax / invoice_total, currency) - credited_tax
