"""Inputs and outputs of the refunds activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from contracts.step import Step


class RefundInput(BaseModel):
    order_id: str
    amount: Decimal
    reason: str
    reference: str
    actor: str
    at: datetime
    # Refund against the invoice of this warehouse's parcel only (a parcel that never arrived).
    warehouse: str | None = None
    # Give back what is left when that is less than asked (a return after other refunds),
    # instead of refusing.
    at_most_refundable: bool = False


class RefundOutcome(BaseModel):
    refunded: Decimal
    credit_notes: list[str]


# The steps, by their activities' names.
REFUND_PAYMENT: Step[RefundInput, RefundOutcome] = Step("refund_payment", RefundInput, RefundOutcome)
