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
    S.INVOICED: frozenset({S.SHIPPED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.IN_TRANSIT, S.DELIVERED}),
    S.IN_TRANSIT: frozenset({S.IN_TRANSIT, S.DELIVERED}),
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
