"""Returns and exchanges: what a customer may send back, which returns are approved without
a person, and how much each returned unit is worth."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from domain.errors import ErrorCode, OrdinoError
from domain.inputs import Flag, Text, Whole
from domain.money import Rounding, round_money
from domain.orders import ONE_LINE_PER_SKU, Actor, Contract, Reference, SkuCode, WarehouseCode, each_once
from domain.quote import Quote, QuoteLine
from domain.tax import split_tax

Note = Annotated[str, Text(500, min_length=0)]


class ReturnReason(StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


class Resolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"  # ship a replacement instead of refunding


class ReturnStatus(StrEnum):
    REQUESTED = "requested"  # waiting for support to approve
    APPROVED = "approved"  # label sent, waiting for the parcel
    REJECTED = "rejected"
    RECEIVED = "received"  # inspected at the warehouse
    CLOSED = "closed"  # refunded or replacement shipped
    EXPIRED = "expired"  # the parcel never came back


CLOSED_STATES = frozenset({ReturnStatus.REJECTED, ReturnStatus.CLOSED, ReturnStatus.EXPIRED})


# Reasons that are the seller's fault: such items are refunded even if they arrive damaged.
SELLER_FAULT = frozenset({ReturnReason.DAMAGED, ReturnReason.WRONG_ITEM, ReturnReason.NOT_AS_DESCRIBED})


class Inspection(StrEnum):
    RESELLABLE = "resellable"  # back into stock
    DAMAGED = "damaged"  # written off


class ReturnLine(Contract):
    sku: SkuCode
    quantity: Whole = Field(gt=0, le=1000)
    reason: ReturnReason
    # For an exchange: the product to send instead (default: the same one again).
    exchange_sku: SkuCode | None = None


class ReturnRequest(Contract):
    """The body of POST /orders/{id}/returns; the reference makes it idempotent."""

    reference: Reference
    lines: Annotated[list[ReturnLine], Field(min_length=1, max_length=100), each_once(ONE_LINE_PER_SKU)]
    resolution: Resolution = Resolution.REFUND
    note: Note | None = None
    actor: Actor = "customer"

    @model_validator(mode="after")
    def _exchanges_make_sense(self) -> ReturnRequest:
        swaps = [line.exchange_sku for line in self.lines if line.exchange_sku]
        if swaps and self.resolution is not Resolution.EXCHANGE:
            raise ValueError("exchange_sku is for exchanges")
        if len(swaps) != len(set(swaps)):
            raise ValueError("each replacement product may replace one line only")
        return self

    def replacement_for(self, sku: str) -> str:
        line = next(line for line in self.lines if line.sku == sku)
        return line.exchange_sku or sku


class InspectedItem(Contract):
    sku: SkuCode
    quantity: Whole = Field(gt=0, le=1000)
    outcome: Inspection


class ReceiveReturn(Contract):
    """The body of POST /returns/{id}/receive: what the warehouse found in the parcel."""

    warehouse: WarehouseCode
    items: Annotated[list[InspectedItem], Field(min_length=1, max_length=200)]
    actor: Actor = "warehouse"


class Decision(Contract):
    """Support approves or rejects a return that was not approved by the rules."""

    approve: Flag = True
    reason: Note | None = None
    actor: Actor = "support"


class ReturnPolicy(Contract):
    """Which returns need no person: reasons that are the seller's fault are approved, and
    so is anything worth up to a limit. When the whole order comes back, the original
    shipping is refunded too if the policy says so."""

    auto_approve_reasons: frozenset[ReturnReason] = SELLER_FAULT
    auto_approve_limit: Decimal = Decimal("100")
    refund_shipping_on_full_return: bool = True


def returnable(ordered: dict[str, int], taken_back: dict[str, int]) -> dict[str, int]:
    """Units of each SKU that may still be returned: those ordered (returns start once the
    whole order is delivered) minus those in other returns that were not refused."""
    return {sku: qty - taken_back.get(sku, 0) for sku, qty in ordered.items()}


def check_returnable(lines: list[ReturnLine], left: dict[str, int]) -> None:
    for line in lines:
        if line.sku not in left:
            raise OrdinoError(ErrorCode.NOT_IN_ORDER, f"{line.sku} is not in this order", {"sku": line.sku})
        if line.quantity > left[line.sku]:
            raise OrdinoError(
                ErrorCode.QUANTITY_EXCEEDS_RETURNABLE,
                f"At most {left[line.sku]} of {line.sku} can be returned",
                {"sku": line.sku, "returnable": left[line.sku]},
            )


def unit_share(line: QuoteLine, before: int, units: int, currency: str) -> Decimal:
    """What `units` of a line are worth after `before` units were already returned. The
    shares telescope, so all units of a line together are worth exactly its total."""

    def upto(n: int) -> Decimal:
        return round_money(line.total * n / line.quantity, currency)

    return upto(before + units) - upto(before)


def goods_worth(quote: Quote, units: dict[str, int], returned_before: dict[str, int]) -> Decimal:
    """What these units of the order cost the customer, continuing after earlier returns."""
    lines = {ln.sku: ln for ln in quote.lines}
    return sum(
        (unit_share(lines[sku], returned_before.get(sku, 0), n, quote.currency) for sku, n in units.items()),
        Decimal(0),
    )


class ExchangeDifference(Contract):
    """An exchange into another product: invoice lines for what the customer owes on the
    dearer swaps (tax carved out at the new product's rate), and a refund for the cheaper."""

    owed: list[QuoteLine] = []
    refund: Decimal = Decimal(0)

    @property
    def charge(self) -> Decimal:
        return sum((ln.total for ln in self.owed), Decimal(0))


def exchange_difference(
    replacement: Quote, paid: dict[str, Decimal], swaps: dict[str, str]
) -> ExchangeDifference:
    """paid: returned SKU -> what its accepted units cost; swaps: returned SKU -> new SKU;
    replacement: today's quote for the new products."""
    new = {ln.sku: ln for ln in replacement.lines}
    owed: list[QuoteLine] = []
    refund = Decimal(0)
    for old, new_sku in sorted(swaps.items()):
        line = new[new_sku]
        diff = line.total - paid[old]
        if diff < 0:
            refund -= diff
        elif diff > 0:
            net, tax, total = split_tax(
                diff, line.tax_rate, replacement.currency, True, Rounding(replacement.rounding)
            )
            owed.append(
                line.model_copy(
                    update={"line_no": len(owed) + 1,
                            "name": f"{line.name} (exchanged for {old}): difference",
                            "quantity": 1, "unit_price": total, "net": net, "tax": tax, "total": total,
                            "discount": Decimal(0)}
                )
            )  # fmt: skip
    return ExchangeDifference(owed=owed, refund=refund)


def auto_approved(request: ReturnRequest, value: Decimal, policy: ReturnPolicy) -> bool:
    if all(line.reason in policy.auto_approve_reasons for line in request.lines):
        return True
    return value <= policy.auto_approve_limit


def whole_order_back(ordered: dict[str, int], returned: dict[str, int]) -> bool:
    return all(returned.get(sku, 0) >= qty for sku, qty in ordered.items())


def check_receipt(lines: list[ReturnLine], items: list[InspectedItem]) -> None:
    """What arrived must be part of what was announced (less is fine: it is what came)."""
    announced = {line.sku: line.quantity for line in lines}
    arrived: dict[str, int] = {}
    for item in items:
        arrived[item.sku] = arrived.get(item.sku, 0) + item.quantity
    for sku, qty in arrived.items():
        if qty > announced.get(sku, 0):
            raise OrdinoError(
                ErrorCode.RETURN_MISMATCH,
                f"{qty} x {sku} arrived but {announced.get(sku, 0)} were announced",
                {"sku": sku, "announced": announced.get(sku, 0), "arrived": qty},
            )


def accepted_units(lines: list[ReturnLine], items: list[InspectedItem]) -> dict[str, int]:
    """Units that earn a refund or a replacement: all resellable ones, and damaged ones when
    the damage or the mistake was the seller's."""
    reasons = {line.sku: line.reason for line in lines}
    accepted: dict[str, int] = {}
    for item in items:
        if item.outcome is Inspection.RESELLABLE or reasons[item.sku] in SELLER_FAULT:
            accepted[item.sku] = accepted.get(item.sku, 0) + item.quantity
    return accepted
