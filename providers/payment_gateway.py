"""What Ordino needs from a payment gateway. Every call carries an idempotency key: the
gateway answers a replayed key with its first answer and never moves money twice."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.errors import ErrorCode, OrdinoError


class GatewayStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    # Waiting for the customer (3-D Secure) or for their money (bank transfer); the outcome
    # arrives later by webhook.
    PENDING = "pending"


class GatewayResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: GatewayStatus
    reference: str
    amount: Decimal
    currency: str
    decline_code: str | None = None
    # Pending until the customer's money arrives (a bank transfer), which takes days, rather
    # than on what the customer does at checkout (3-D Secure), which takes minutes.
    deferred: bool = False

    @property
    def approved(self) -> bool:
        return self.status is GatewayStatus.APPROVED


class IdempotencyKeyReused(OrdinoError):
    """The key was used before for a different operation or amount: a bug, never retried."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.IDEMPOTENCY_CONFLICT, message)


class GatewayUnavailable(Exception):
    """The gateway refused to process the call right now; nothing happened. Retry."""


class GatewayTimeout(Exception):
    """No answer in time: the call may or may not have happened. Never call again blindly;
    look the idempotency key up."""


class PaymentGateway(Protocol):
    def authorize(self, key: str, token: str, amount: Decimal, currency: str) -> GatewayResult: ...

    def capture(self, key: str, authorization: str, amount: Decimal) -> GatewayResult: ...

    def void(self, key: str, authorization: str) -> GatewayResult: ...

    def refund(self, key: str, capture: str, amount: Decimal) -> GatewayResult: ...

    def lookup(self, key: str) -> GatewayResult | None: ...
