"""Inputs and outputs of the payments activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from contracts.step import Step
from domain.orders import PaymentEvent, PaymentOutcome


class AuthorizeInput(BaseModel):
    """No payment token: it never enters a workflow; the activity reads the order's own."""

    order_id: str
    amount: Decimal
    currency: str
    # 0 for the first authorization; n for the n-th renewal after one expired.
    renewal: int = 0
    # What else an authorization is for (a return's exchange difference): keyed apart, and
    # it leaves the order's status alone.
    purpose: str | None = None
    at: datetime


class CaptureInput(BaseModel):
    order_id: str
    authorization: str
    amount: Decimal
    # The warehouse whose parcel this capture pays for; None: the whole order at once.
    fulfillment: str | None = None
    # As for authorizations: a capture for something else than the order's own parcels.
    purpose: str | None = None
    at: datetime


class SettlePaymentInput(BaseModel):
    order_id: str
    event: PaymentEvent
    at: datetime


class VoidInput(BaseModel):
    order_id: str
    authorization: str
    reason: str
    at: datetime


class PaymentBooks(BaseModel):
    """The order's money as stored: what a cancellation refunds, invoices first and voids is
    decided from this, whatever the workflow remembers (a lost workflow task may have captured)."""

    captured: Decimal
    # Approved captures with no invoice yet: the part each paid for ("" for the whole order),
    # with the capture's reference.
    uninvoiced: dict[str, str]
    # Authorizations still holding money: approved, not voided, not (wholly) captured.
    open_authorizations: list[str]


# The steps, by their activities' names.
AUTHORIZE_PAYMENT: Step[AuthorizeInput, PaymentOutcome] = Step(
    "authorize_payment", AuthorizeInput, PaymentOutcome
)
SETTLE_PAYMENT: Step[SettlePaymentInput, PaymentOutcome] = Step(
    "settle_payment", SettlePaymentInput, PaymentOutcome
)
CAPTURE_PAYMENT: Step[CaptureInput, PaymentOutcome] = Step("capture_payment", CaptureInput, PaymentOutcome)
PAYMENT_BOOKS: Step[str, PaymentBooks] = Step("payment_books", str, PaymentBooks)
VOID_PAYMENT: Step[VoidInput, PaymentOutcome] = Step("void_payment", VoidInput, PaymentOutcome)
