"""A sandbox payment gateway with its own ledger in PostgreSQL.

Test tokens decide the outcome, as with real gateways' test cards:
  tok_declined            -> declined, card_declined
  tok_insufficient_funds  -> declined, insufficient_funds
  tok_processing_error    -> the first call per idempotency key fails with a retryable
                             processing error (nothing recorded); the retry goes through
  tok_3ds                 -> pending until the customer passes (or fails) 3-D Secure
  bank_transfer           -> pending until the customer's transfer arrives
  tok_timeout             -> the first call per key is recorded but answers with a timeout,
                             so the caller does not know the outcome (also for captures of
                             that authorization)
  tok_slow_capture        -> a capture is recorded, then its answer hangs for a minute (the
                             network after the money moved); a replayed key answers at once
  tok_capture_fails       -> authorized, but the capture is declined (authorization_expired)
  tok_second_capture_fails-> the first capture goes through, later ones are declined
  any other tok_...       -> approved
"""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import SandboxGatewayTransaction as Txn
from providers.payment_gateway import (
    GatewayResult,
    GatewayStatus,
    GatewayTimeout,
    GatewayUnavailable,
    IdempotencyKeyReused,
)

SLOW_ANSWER_SECONDS = 60
PENDING_TOKENS = {"tok_3ds", "bank_transfer"}
DEFERRED_TOKENS = {"bank_transfer"}  # pending until the money arrives
DECLINING_TOKENS = {"tok_declined": "card_declined", "tok_insufficient_funds": "insufficient_funds"}


def _reference(key: str) -> str:
    return "pay_" + hashlib.sha256(key.encode()).hexdigest()[:20]


def _result(txn: Txn) -> GatewayResult:
    return GatewayResult(
        status=GatewayStatus(txn.status),
        reference=txn.reference,
        amount=txn.amount,
        currency=txn.currency,
        decline_code=txn.decline_code,
        deferred=txn.operation == "authorize" and txn.token in DEFERRED_TOKENS,
    )


class SandboxGateway:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._misbehaved: set[str] = set()  # keys that already failed once in this process

    def _once(self, key: str) -> bool:
        """True the first time this key misbehaves, so the retry goes through."""
        first = key not in self._misbehaved
        self._misbehaved.add(key)
        return first

    def _before(self, key: str, token: str | None) -> None:
        if token == "tok_processing_error" and self._once(key):
            raise GatewayUnavailable(f"sandbox processing error for {key}")

    def _after(self, key: str, token: str | None, result: GatewayResult) -> GatewayResult:
        if token == "tok_timeout" and self._once(key):
            raise GatewayTimeout(f"sandbox timed out on {key} (the call went through)")
        return result

    def _token_of(self, reference: str) -> str | None:
        with self._db.reader() as s:
            return s.scalar(select(Txn.token).where(Txn.reference == reference))

    @staticmethod
    def _record(
        s: Session,
        key: str,
        operation: str,
        amount: Decimal,
        currency: str,
        status: GatewayStatus,
        token: str | None = None,
        parent: str | None = None,
        decline_code: str | None = None,
    ) -> GatewayResult:
        """Insert the transaction once; a replayed key returns the stored first answer."""
        s.execute(
            insert(Txn)
            .values(
                reference=_reference(key),
                idempotency_key=key,
                operation=operation,
                parent_reference=parent,
                token=token,
                amount=amount,
                currency=currency,
                status=status.value,
                decline_code=decline_code,
            )
            .on_conflict_do_nothing(index_elements=[Txn.idempotency_key])
        )
        txn = s.scalars(select(Txn).where(Txn.idempotency_key == key)).one()
        if (txn.operation, txn.amount, txn.parent_reference) != (operation, amount, parent):
            raise IdempotencyKeyReused(f"key {key!r} was used for {txn.operation} {txn.amount}")
        return _result(txn)

    def authorize(self, key: str, token: str, amount: Decimal, currency: str) -> GatewayResult:
        decline = DECLINING_TOKENS.get(token)
        if decline is None and not token.startswith("tok_"):
            decline = "invalid_token"
        status = GatewayStatus.DECLINED if decline else GatewayStatus.APPROVED
        if token in PENDING_TOKENS:
            decline, status = None, GatewayStatus.PENDING
        self._before(key, token)
        with self._db.transaction() as s:
            result = self._record(
                s, key, "authorize", amount, currency, status, token=token, decline_code=decline
            )
        return self._after(key, token, result)

    def capture(self, key: str, authorization: str, amount: Decimal) -> GatewayResult:
        token = self._token_of(authorization)
        self._before(key, token)
        replay = self.lookup(key) is not None
        result = self._capture(key, authorization, amount)
        if token == "tok_slow_capture" and not replay:
            time.sleep(SLOW_ANSWER_SECONDS)  # the money moved; the answer is slow to come back
        return self._after(key, token, result)

    def _capture(self, key: str, authorization: str, amount: Decimal) -> GatewayResult:
        with self._db.transaction() as s:
            auth = s.scalars(
                select(Txn).where(Txn.reference == authorization).with_for_update()
            ).one_or_none()
            captured = s.execute(
                select(func.coalesce(func.sum(Txn.amount), 0)).where(
                    Txn.parent_reference == authorization,
                    Txn.operation == "capture",
                    Txn.status == "approved",
                    Txn.idempotency_key != key,
                )
            ).scalar_one()
            voided = s.scalar(
                select(func.count()).where(Txn.parent_reference == authorization, Txn.operation == "void")
            )
            if auth is None:
                raise ValueError(f"no authorization {authorization!r} in the sandbox gateway")
            if auth.status != "approved" or voided:
                status, code = GatewayStatus.DECLINED, "authorization_invalid"
            elif auth.token == "tok_capture_fails" or (
                auth.token == "tok_second_capture_fails" and captured > 0
            ):
                status, code = GatewayStatus.DECLINED, "authorization_expired"
            elif captured + amount > auth.amount:
                status, code = GatewayStatus.DECLINED, "amount_exceeds_authorization"
            else:
                status, code = GatewayStatus.APPROVED, None
            currency = auth.currency
            return self._record(
                s, key, "capture", amount, currency, status, parent=authorization, decline_code=code
            )

    def void(self, key: str, authorization: str) -> GatewayResult:
        with self._db.transaction() as s:
            auth = s.scalars(select(Txn).where(Txn.reference == authorization)).one()
            return self._record(
                s, key, "void", auth.amount, auth.currency, GatewayStatus.APPROVED, parent=authorization
            )

    def refund(self, key: str, capture: str, amount: Decimal) -> GatewayResult:
        """Give back part or all of a capture; never more than it took, net of earlier refunds."""
        with self._db.transaction() as s:
            captured = s.scalars(select(Txn).where(Txn.reference == capture).with_for_update()).one_or_none()
            if captured is None or captured.operation != "capture":
                raise ValueError(f"no capture {capture!r} in the sandbox gateway")
            refunded = s.execute(
                select(func.coalesce(func.sum(Txn.amount), 0)).where(
                    Txn.parent_reference == capture,
                    Txn.operation == "refund",
                    Txn.status == "approved",
                    Txn.idempotency_key != key,
                )
            ).scalar_one()
            if captured.status != "approved" or refunded + amount > captured.amount:
                status, code = GatewayStatus.DECLINED, "amount_exceeds_capture"
            else:
                status, code = GatewayStatus.APPROVED, None
            return self._record(
                s, key, "refund", amount, captured.currency, status, parent=capture, decline_code=code
            )

    def settle(self, reference: str, approved: bool, decline_code: str | None = None) -> GatewayResult:
        """The outside world acts on a pending payment: the customer passes or fails 3-D
        Secure, or the transfer arrives. The caller then sends the provider's webhook."""
        with self._db.transaction() as s:
            txn = s.scalars(select(Txn).where(Txn.reference == reference).with_for_update()).one()
            voided = s.scalar(
                select(func.count()).where(Txn.parent_reference == reference, Txn.operation == "void")
            )
            if txn.status == GatewayStatus.PENDING.value and voided:
                txn.status, txn.decline_code = GatewayStatus.DECLINED.value, "voided"
            elif txn.status == GatewayStatus.PENDING.value:
                txn.status = (GatewayStatus.APPROVED if approved else GatewayStatus.DECLINED).value
                txn.decline_code = None if approved else (decline_code or "authentication_failed")
            s.flush()
            return _result(txn)

    def lookup(self, key: str) -> GatewayResult | None:
        with self._db.reader() as s:
            txn = s.scalars(select(Txn).where(Txn.idempotency_key == key)).one_or_none()
            return _result(txn) if txn else None
