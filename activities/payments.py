"""Authorize, capture and void through the gateway. The idempotency key is the order and
the step, so a retried activity gets the gateway's first answer instead of a second charge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import select
from temporalio import activity

from activities.failures import business_rules
from contracts.payments import AuthorizeInput, CaptureInput, PaymentBooks, SettlePaymentInput, VoidInput
from db import payment_tokens
from db.engine import Database
from db.models import Invoice, Payment
from db.unit_of_work import UnitOfWork, call_once, run_once
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
    """The gateway's idempotency key of a step, which is also its guard and its event key."""
    return f"{order_id}:{step}"


def outcome_of(stored: Payment, deferred: bool = False) -> PaymentOutcome:
    return PaymentOutcome(
        approved=stored.status == GatewayStatus.APPROVED.value,
        pending=stored.status == GatewayStatus.PENDING.value,
        reference=stored.gateway_reference,
        amount=stored.amount,
        decline_code=stored.decline_code,
        deferred=deferred,
    )


class PaymentActivities:
    def __init__(self, db: Database, gateway: PaymentGateway) -> None:
        self._db = db
        self._gateway = gateway

    def _pay(
        self,
        order_id: str,
        key: str,
        operation: str,
        call: Callable[[], GatewayResult],
        at: datetime,
        booked: Callable[[GatewayResult], tuple[str, OrderStatus | None, str | None]],
    ) -> PaymentOutcome:
        """One gateway operation, once per key: a key that ran answers what was booked then,
        without calling the gateway; otherwise the gateway's answer (the first, for a key it
        saw before) is booked with its order event, which `booked` names (event, status,
        reason) from the result."""
        return call_once(
            self._db,
            order_id,
            key,
            PaymentOutcome,
            call=lambda: call_gateway(self._gateway, key, call),
            book=lambda uow, result: self._book(uow, order_id, key, operation, result, at, *booked(result)),
        )

    def _book(
        self,
        uow: UnitOfWork,
        order_id: str,
        key: str,
        operation: str,
        result: GatewayResult,
        at: datetime,
        event: str,
        status: OrderStatus | None,
        reason: str | None,
    ) -> PaymentOutcome:
        """Our copy of the gateway's answer, and the step in the order's log. The answer is
        read back from the stored row, in the precision the books keep."""
        stored = Payment(
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
        uow.session.add(stored)
        uow.session.flush()
        uow.session.refresh(stored)
        uow.record(
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
        return outcome_of(stored, result.deferred)

    def _token(self, order_id: str) -> str:
        """The order's payment token, kept by the API at intake: never a workflow's input."""
        with self._db.reader() as s:
            token = payment_tokens.token_of(s, order_id)
        if token is None:
            raise LookupError(f"no payment token is kept for order {order_id}")
        return token

    @activity.defn
    @business_rules
    def authorize_payment(self, inp: AuthorizeInput) -> PaymentOutcome:
        step = f"authorize:{inp.purpose}" if inp.purpose else "authorize"
        key = payment_key(inp.order_id, f"{step}:{inp.renewal}" if inp.renewal else step)

        def booked(result: GatewayResult) -> tuple[str, OrderStatus | None, str | None]:
            if result.approved:
                event, status, reason = "payment_authorized", OrderStatus.AUTHORIZED, None
            elif result.status is GatewayStatus.PENDING:
                event, status, reason = "payment_pending", OrderStatus.ACCEPTED, None
            else:
                event, status = "payment_declined", OrderStatus.ACCEPTED
                reason = f"payment declined: {result.decline_code}"
            return event, None if inp.purpose else status, reason

        return self._pay(
            inp.order_id, key, "authorize",
            lambda: self._gateway.authorize(key, self._token(inp.order_id), inp.amount, inp.currency), inp.at,
            booked,
        )  # fmt: skip

    @activity.defn
    @business_rules
    def settle_payment(self, inp: SettlePaymentInput) -> PaymentOutcome:
        """Record how a pending authorization ended, as the provider's webhook told it."""
        return run_once(self._db, inp.order_id, f"payment:{inp.event.event_id}", PaymentOutcome,
                        lambda uow: self._settle(uow, inp))  # fmt: skip

    def _settle(self, uow: UnitOfWork, inp: SettlePaymentInput) -> PaymentOutcome:
        ev, key = inp.event, payment_key(inp.order_id, "authorize")
        stored = uow.session.scalars(
            select(Payment).where(Payment.idempotency_key == key).with_for_update()
        ).one()
        if stored.status == GatewayStatus.PENDING.value:
            stored.status, stored.decline_code = ev.status, ev.decline_code
        approved = stored.status == GatewayStatus.APPROVED.value
        uow.record(
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

        def booked(result: GatewayResult) -> tuple[str, OrderStatus | None, str | None]:
            if result.approved:
                return "payment_captured", None if inp.purpose else OrderStatus.CAPTURED, None
            # The order stays where it is; the workflow decides.
            return "capture_failed", None, f"capture failed: {result.decline_code}"

        return self._pay(
            inp.order_id, key, "capture", lambda: self._gateway.capture(key, inp.authorization, inp.amount),
            inp.at, booked,
        )  # fmt: skip

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
        return self._pay(
            inp.order_id, key, "void", lambda: self._gateway.void(key, inp.authorization), inp.at,
            lambda _: ("payment_voided", None, inp.reason),
        )  # fmt: skip
