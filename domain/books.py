"""An order's money as its workflow keeps it: what was captured (per parcel's warehouse,
with the shipping each capture paid for) and what was refunded under which reference. The
rules of what may still be given back live here, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from domain.errors import ErrorCode, OrdinoError
from domain.money import is_minor_unit, round_money

ZERO = Decimal(0)


@dataclass
class MoneyBooks:
    currency: str = "EUR"
    captured: Decimal = ZERO
    captured_by_warehouse: dict[str, Decimal] = field(default_factory=dict)
    shipping_paid_by_warehouse: dict[str, Decimal] = field(default_factory=dict)
    # What each refund (by its reference) gave back, and what a goodwill refund asked for.
    refunds: dict[str, Decimal] = field(default_factory=dict)
    asked: dict[str, Decimal] = field(default_factory=dict)

    def refundable(self) -> Decimal:
        """Captured and not yet given back."""
        return round_money(self.captured - sum(self.refunds.values(), ZERO), self.currency)

    def refunded(self, reference: str) -> Decimal | None:
        return self.refunds.get(reference)

    def record_refund(self, reference: str, refunded: Decimal, asked: Decimal | None = None) -> None:
        self.refunds[reference] = refunded
        if asked is not None:
            self.asked[reference] = asked

    def record_captures(self, by_warehouse: dict[str, Decimal], shipping: dict[str, Decimal]) -> None:
        self.captured = sum(by_warehouse.values(), ZERO)
        self.captured_by_warehouse = dict(by_warehouse)
        self.shipping_paid_by_warehouse = dict(shipping)

    def record_return(self, return_id: str, charged: Decimal, refunded: Decimal) -> None:
        """A closed return: an exchange may have charged a difference, a refund given back."""
        self.captured += charged
        self.refunds[return_id] = refunded

    def goods_paid_from(self, warehouse: str) -> Decimal:
        """What a parcel's capture took for its goods: cancelling that parcel gives this back,
        while the rest of the order still travels on the shipping paid."""
        return self.captured_by_warehouse.get(warehouse, ZERO) - self.shipping_paid_by_warehouse.get(
            warehouse, ZERO
        )

    def parcel_refund(self, warehouse: str) -> Decimal:
        """A failed parcel's capture, but never more than is left after earlier refunds."""
        return min(self.captured_by_warehouse.get(warehouse, ZERO), self.refundable())

    def check_goodwill(self, reference: str, amount: Decimal, limit: Decimal | None = None) -> None:
        """Whether `amount` may be given back under `reference` (the same reference again is
        the same refund), by someone whose goodwill refunds may bring the order's to `limit`."""
        if self.captured == 0:
            raise OrdinoError(ErrorCode.NO_CAPTURE, "This order has no captured payment yet")
        if not is_minor_unit(amount, self.currency):
            raise OrdinoError(ErrorCode.INVALID_AMOUNT, f"{amount} is not an amount in {self.currency}")
        before = self.asked.get(reference)
        if before is not None and before != amount:
            raise OrdinoError(
                ErrorCode.IDEMPOTENCY_CONFLICT, f"Refund {reference} was for {before}, not {amount}"
            )
        given = sum(self.asked.values(), ZERO)
        if limit is not None and before is None and given + amount > limit:
            raise OrdinoError(
                ErrorCode.FORBIDDEN,
                f"Goodwill refunds on this order may come to {limit} without finance; {given} is given "
                f"already, so {amount} more is for finance",
                {"limit": str(limit), "given": str(given)},
            )
        refundable = self.refundable()
        if reference not in self.refunds and amount > refundable:
            raise OrdinoError(
                ErrorCode.REFUND_EXCEEDS_CAPTURED,
                f"At most {refundable} can be refunded",
                {"refundable": str(refundable)},
            )
