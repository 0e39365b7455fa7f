"""Paying for an order by calling the payment activities directly, as the workflow would."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.payments import PaymentActivities
from contracts.payments import AuthorizeInput, CaptureInput
from providers.sandbox.gateway import SandboxGateway

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def paid(db, order, at: datetime = NOW):
    """Authorize and capture the order, as the workflow does before invoicing."""
    payments = PaymentActivities(db, SandboxGateway(db))
    total = order.quote.grand_total
    auth = payments.authorize_payment(
        AuthorizeInput(order_id=order.order_id, token="tok_visa", amount=total, currency="EUR", at=at)
    )
    payments.capture_payment(
        CaptureInput(order_id=order.order_id, authorization=auth.reference, amount=total, at=at)
    )
    return order
