"""Changes after the order: edits (address, quantities, lines) and cancellations, whole or
in part. What a change asks for, what it would do, and the rules for when it may happen."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, model_validator

from domain.errors import ErrorCode, OrdinoError
from domain.inputs import Flag, Text, Whole
from domain.orders import (
    ONE_LINE_PER_SKU,
    Actor,
    Address,
    Basket,
    Contract,
    OrderLineRequest,
    Reference,
    SkuCode,
    each_once,
)
from domain.quote import Quote
from domain.status import OrderStatus

Reason = Annotated[str, Text(500, min_length=3)]


class LineQuantity(Contract):
    sku: SkuCode
    quantity: Whole = Field(ge=0, le=1000)  # in an edit, 0 removes the line


class OrderChange(Contract):
    """The body of POST /orders/{id}/changes: new quantities (a new SKU adds a line, 0
    removes one) and/or a new shipping address. With `preview` nothing changes; the answer
    shows the new totals, the stock and the payment effect."""

    reference: Reference
    lines: Annotated[list[LineQuantity], Field(max_length=100), each_once(ONE_LINE_PER_SKU)] = []
    shipping_address: Address | None = None
    preview: Flag = False
    reason: Reason | None = None
    actor: Actor = "support"

    @model_validator(mode="after")
    def _changes_something(self) -> OrderChange:
        if not self.lines and self.shipping_address is None:
            raise ValueError("give new line quantities, a new shipping address, or both")
        return self


class CancelLine(Contract):
    sku: SkuCode
    quantity: Whole = Field(gt=0, le=1000)


class Cancellation(Contract):
    """The body of POST /orders/{id}/cancellations: the whole order, or some of its units."""

    reference: Reference
    reason: Reason
    # None cancels everything that has not been delivered.
    lines: (
        Annotated[list[CancelLine], Field(min_length=1, max_length=100), each_once(ONE_LINE_PER_SKU)] | None
    ) = None
    actor: Actor = "support"


class StockEffect(Contract):
    sku: str
    before: int
    after: int
    # Whether the extra units are free in some warehouse right now.
    available: bool = True


class ChangePlan(Contract):
    """What a change would do: the new quote, the units per SKU, and the money."""

    quote: Quote
    previous_total: Decimal
    stock: list[StockEffect]
    # Over what is authorized now: a new authorization for the new total; under: the smaller
    # total is all that will be captured, and the rest of the authorization lapses.
    payment: str

    @property
    def difference(self) -> Decimal:
        return self.quote.grand_total - self.previous_total


class ChangeOutcome(Contract):
    reference: str
    applied: bool
    plan: ChangePlan


class CancellationOutcome(Contract):
    reference: str
    status: OrderStatus
    refunded: Decimal = Decimal(0)
    change: ChangeOutcome | None = None


# The reference of the edit a partial cancellation makes; edits may not use it themselves.
CANCEL_PREFIX = "cancel-"


def changed_basket(basket: Basket, change: OrderChange) -> Basket:
    quantities = {line.sku: line.quantity for line in basket.lines}
    for line in change.lines:
        quantities[line.sku] = line.quantity
    lines = [OrderLineRequest(sku=sku, quantity=n) for sku, n in quantities.items() if n > 0]
    if not lines:
        raise OrdinoError(ErrorCode.EMPTY_ORDER, "An order keeps at least one line: cancel it instead")
    address = change.shipping_address or basket.shipping_address
    return basket.model_copy(update={"lines": lines, "shipping_address": address})


def cancellation_as_change(ordered: dict[str, int], cancel: Cancellation) -> OrderChange:
    """Cancelling units before anything is packed is an edit to fewer units."""
    assert cancel.lines is not None
    for line in cancel.lines:
        if line.quantity > ordered.get(line.sku, 0):
            raise OrdinoError(
                ErrorCode.QUANTITY_EXCEEDS_ORDERED,
                f"The order has {ordered.get(line.sku, 0)} of {line.sku}",
                {"sku": line.sku, "ordered": ordered.get(line.sku, 0)},
            )
    remaining = [
        LineQuantity(sku=line.sku, quantity=ordered[line.sku] - line.quantity) for line in cancel.lines
    ]
    return OrderChange(reference=f"{CANCEL_PREFIX}{cancel.reference}", lines=remaining, reason=cancel.reason,
                       actor=cancel.actor)  # fmt: skip


# Before these, nothing has left a warehouse: orders may still be edited.
EDITABLE = frozenset({OrderStatus.AUTHORIZED})
# From these on, (part of) the order reached the customer: returns, not cancellations.
DELIVERED_OR_CLOSED = frozenset(
    {OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED,
     OrderStatus.REJECTED}
)  # fmt: skip


def check_editable(
    order_id: str, status: OrderStatus, *, cancelling: bool, authorized: bool, packed: list[str]
) -> None:
    """Whether an order may still be edited (lines, address, fewer units): once its payment
    is authorized, until a warehouse has packed a parcel, and never while it is cancelled."""
    if cancelling:
        raise OrdinoError(ErrorCode.NOT_EDITABLE, "The order is being cancelled")
    if packed:
        raise OrdinoError(
            ErrorCode.ALREADY_PACKED,
            f"A parcel of order {order_id} is packed: changes are over; cancel the whole order, or "
            "return the items once delivered",
            {"packed": sorted(packed)},
        )
    if status not in EDITABLE or not authorized:
        raise OrdinoError(
            ErrorCode.NOT_EDITABLE,
            f"Order {order_id} is {status.value}: it can be changed once its payment is authorized and "
            "until a parcel is packed",
        )


class ChangeLog:
    """The edits an order took, by reference, so a retry gets the first answer and a
    different change under a used reference is refused."""

    def __init__(self) -> None:
        self._done: dict[str, tuple[OrderChange, ChangeOutcome]] = {}

    def answer(self, reference: str) -> ChangeOutcome | None:
        done = self._done.get(reference)
        return done[1] if done else None

    def record(self, request: OrderChange, outcome: ChangeOutcome) -> None:
        self._done[request.reference] = (request, outcome)

    def check_same(self, request: OrderChange) -> None:
        """A reference used before must carry the same change (a preview flag aside)."""
        done = self._done.get(request.reference)
        if done is not None and done[0].model_dump(exclude={"preview"}) != request.model_dump(
            exclude={"preview"}
        ):
            raise OrdinoError(
                ErrorCode.IDEMPOTENCY_CONFLICT, f"Change {request.reference} was a different change"
            )
