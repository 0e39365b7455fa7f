"""Authorize, capture and void through the gateway. The idempotency key is the order and
the step, so a retried activity gets the gateway's first answer instead of a second charge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity

from activities.failures import business_rules
from contracts.payments import AuthorizeInput, CaptureInput, PaymentBooks, SettlePaymentInput, VoidInput
from db import order_log
from db.engine import Database
from db.models import Invoice, Payment
from domain.orders import PaymentOutcome
from domain.status import OrderStatus
from providers.payment_gateway import GatewayResult, GatewayStatus, GatewayTimeout, PaymentGateway

log = structlog.get_logger()


def call_gateway(gateway: PaymentGateway, key: str, call: Callable[[], GatewayResult]) -> GatewayResult:
    """Call the gateway; on a timeout, find out what happened by the idempotency key instead
    of calling again. A retryable refusal propagates, and the activity retries."""
    try:
        return call()
    except GatewayTimeout:
        found = gateway.lookup(key)
        if found is None:
            raise  # the gateway never saw it: the activity's retry makes the call
        log.warning("gateway timed out; outcome found by idempotency key", key=key, status=found.status.value)
        return found


def payment_key(order_id: str, step: str) -> str:
    return f"{order_id}:{step}"


class PaymentActivities:
    def __init__(self, db: Database, gateway: PaymentGateway) -> None:
        self._db = db
        self._gateway = gateway

    def _book(
        self,
        order_id: str,
        key: str,
        operation: str,
        result: GatewayResult,
        at: datetime,
        event: str,
        status: OrderStatus | None,
        reason: str | None = None,
    ) -> PaymentOutcome:
        """Keep our copy of the gateway's answer and log the step, once. The stored row is
        the answer: a retry that got a different reply from the gateway changes nothing."""
        with self._db.transaction() as s:
            s.execute(
                insert(Payment)
                .values(
                    order_id=order_id,
                    idempotency_key=key,
                    operation=operation,
                    status=result.status.value,
                    amount=result.amount,
                    currency=result.currency,
                    gateway_reference=result.reference,
                    decline_code=result.decline_code,
                    at=at,
                )
                .on_conflict_do_nothing(index_elements=[Payment.idempotency_key])
            )
            stored = s.scalars(select(Payment).where(Payment.idempotency_key == key)).one()
            order_log.append_event(
                s,
                order_id,
                key,
                event,
                status,
                at,
                reason=reason,
                data={
                    "amount": str(stored.amount),
                    "reference": stored.gateway_reference,
                    "decline_code": stored.decline_code,
                },
            )
        log.info(event, order_id=order_id, amount=str(stored.amount), reference=stored.gateway_reference)
        return PaymentOutcome(
            approved=stored.status == GatewayStatus.APPROVED.value,
            pending=stored.status == GatewayStatus.PENDING.value,
            reference=stored.gateway_reference,
            amount=stored.amount,
            decline_code=stored.decline_code,
        )

    @activity.defn
    @business_rules
    def authorize_payment(self, inp: AuthorizeInput) -> PaymentOutcome:
        step = f"authorize:{inp.purpose}" if inp.purpose else "authorize"
        key = payment_key(inp.order_id, f"{step}:{inp.renewal}" if inp.renewal else step)
        result = call_gateway(
            self._gateway, key, lambda: self._gateway.authorize(key, inp.token, inp.amount, inp.currency)
        )
        if result.approved:
            event, status, reason = "payment_authorized", OrderStatus.AUTHORIZED, None
        elif result.status is GatewayStatus.PENDING:
            event, status, reason = "payment_pending", OrderStatus.ACCEPTED, None
        else:
            event, status = "payment_declined", OrderStatus.ACCEPTED
            reason = f"payment declined: {result.decline_code}"
        if inp.purpose:
            status = None
        return self._book(inp.order_id, key, "authorize", result, inp.at, event, status, reason)

    @activity.defn
    @business_rules
    def settle_payment(self, inp: SettlePaymentInput) -> PaymentOutcome:
        """Record how a pending authorization ended, as the provider's webhook told it."""
        key = payment_key(inp.order_id, "authorize")
        ev = inp.event
        with self._db.transaction() as s:
            stored = s.scalars(select(Payment).where(Payment.idempotency_key == key).with_for_update()).one()
            if stored.status == GatewayStatus.PENDING.value:
                stored.status, stored.decline_code = ev.status, ev.decline_code
            approved = stored.status == GatewayStatus.APPROVED.value
            order_log.append_event(
                s,
                inp.order_id,
                f"payment:{ev.event_id}",
                "payment_authorized" if approved else "payment_declined",
                OrderStatus.AUTHORIZED if approved else OrderStatus.ACCEPTED,
                inp.at,
                actor="payment provider",
                reason=None if approved else f"payment declined: {stored.decline_code}",
                data={"reference": stored.gateway_reference},
            )
            return PaymentOutcome(
                approved=approved,
                reference=stored.gateway_reference,
                amount=stored.amount,
                decline_code=stored.decline_code,
            )

    @activity.defn
    @business_rules
    def capture_payment(self, inp: CaptureInput) -> PaymentOutcome:
        part = inp.purpose or inp.fulfillment
        key = payment_key(inp.order_id, f"capture:{part}" if part else "capture")
        result = call_gateway(
            self._gateway, key, lambda: self._gateway.capture(key, inp.authorization, inp.amount)
        )
        if result.approved:
            event, status, reason = "payment_captured", None if inp.purpose else OrderStatus.CAPTURED, None
        else:
            event, status = "capture_failed", None  # the order stays where it is; the workflow decides
            reason = f"capture failed: {result.decline_code}"
        return self._book(inp.order_id, key, "capture", result, inp.at, event, status, reason)

    @activity.defn
    @business_rules
    def payment_books(self, order_id: str) -> PaymentBooks:
        prefix = payment_key(order_id, "")
        with self._db.reader() as s:
            rows = s.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)).all()
            invoiced = set(s.scalars(select(Invoice.payment_reference).where(Invoice.order_id == order_id)))
        approved = [p for p in rows if p.status == GatewayStatus.APPROVED.value]
        captures = [p for p in approved if p.operation == "capture"]
        captured = sum((p.amount for p in captures), Decimal(0))
        voided = {p.idempotency_key for p in approved if p.operation == "void"}
        refused = any(p.operation == "capture" and p.status == GatewayStatus.DECLINED.value for p in rows)
        return PaymentBooks(
            captured=captured,
            uninvoiced={
                p.idempotency_key.removeprefix(prefix + "capture").removeprefix(":"): p.gateway_reference
                for p in captures
                if p.gateway_reference and p.gateway_reference not in invoiced
            },
            # Captures do not say which authorization they took from: one still holds money if
            # nothing was captured, or if a capture was refused (parcels paid before it were not).
            open_authorizations=[
                p.gateway_reference
                for p in approved
                if p.operation == "authorize"
                and p.gateway_reference
                and payment_key(order_id, f"void:{p.gateway_reference}") not in voided
                and (not captures or refused)
            ],
        )

    @activity.defn
    @business_rules
    def void_payment(self, inp: VoidInput) -> PaymentOutcome:
        key = payment_key(inp.order_id, f"void:{inp.authorization}")
        result = call_gateway(self._gateway, key, lambda: self._gateway.void(key, inp.authorization))
        return self._book(
            inp.order_id, key, "void", result, inp.at, "payment_voided", None, reason=inp.reason
        )
