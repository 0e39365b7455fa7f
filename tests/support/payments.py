"""Paying for an order by calling the payment activities directly, as the workflow would."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.payments import PaymentActivities
from contracts.payments import AuthorizeInput, CaptureInput
from db import payment_tokens
from providers.sandbox.gateway import SandboxGateway

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def keep_token(db, order_id: str, token: str = "tok_visa") -> None:
    """The order's payment token where the API keeps it, for the payment activities to read."""
    with db.transaction() as s:
        payment_tokens.keep(s, order_id, token, NOW)


def paid(db, order, at: datetime = NOW):
    """Authorize and capture the order, as the workflow does before invoicing."""
    payments = PaymentActivities(db, SandboxGateway(db))
    total = order.quote.grand_total
    keep_token(db, order.order_id)
    auth = payments.authorize_payment(
        AuthorizeInput(order_id=order.order_id, amount=total, currency="EUR", at=at)
    )
    payments.capture_payment(
        CaptureInput(order_id=order.order_id, authorization=auth.reference, amount=total, at=at)
    )
    return order
