"""The order state machine: which status may follow which."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import ErrorCode, OrdinoError


class OrderStatus(StrEnum):
    RECEIVED = "received"
    BACKORDERED = "backordered"
    ACCEPTED = "accepted"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    INVOICED = "invoiced"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    # Some parcels delivered, others still travelling.
    PARTIALLY_DELIVERED = "partially_delivered"
    # The carrier refused the booking (e.g. an undeliverable address) until support fixes it.
    ON_HOLD = "on_hold"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


S = OrderStatus
_NEXT: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.ACCEPTED, S.BACKORDERED, S.REJECTED}),
    S.BACKORDERED: frozenset({S.ACCEPTED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.AUTHORIZED, S.CANCELLED}),
    S.AUTHORIZED: frozenset({S.CAPTURED, S.CANCELLED}),
    S.CAPTURED: frozenset({S.INVOICED, S.CANCELLED}),
    S.INVOICED: frozenset({S.SHIPPED, S.CANCELLED, S.ON_HOLD}),
    # Cancelled after shipping: every parcel failed and was refunded.
    S.SHIPPED: frozenset({S.IN_TRANSIT, S.PARTIALLY_DELIVERED, S.DELIVERED, S.ON_HOLD, S.CANCELLED}),
    S.IN_TRANSIT: frozenset({S.IN_TRANSIT, S.PARTIALLY_DELIVERED, S.DELIVERED, S.ON_HOLD, S.CANCELLED}),
    S.PARTIALLY_DELIVERED: frozenset({S.PARTIALLY_DELIVERED, S.DELIVERED, S.ON_HOLD}),
    S.ON_HOLD: frozenset({S.SHIPPED, S.IN_TRANSIT, S.PARTIALLY_DELIVERED, S.CANCELLED}),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
}

TERMINAL = frozenset(s for s, nxt in _NEXT.items() if not nxt)


def can_move(current: OrderStatus, new: OrderStatus) -> bool:
    return new in _NEXT[current]


def check_move(current: OrderStatus, new: OrderStatus) -> None:
    if not can_move(current, new):
        raise OrdinoError(ErrorCode.ILLEGAL_TRANSITION, f"An order cannot go from {current} to {new}")
