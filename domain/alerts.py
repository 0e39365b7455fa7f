"""Support alerts as people handle them: the kinds there are, and which of them a person
may not resolve by hand while their cause stands, because another action removes it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from domain.inputs import Text
from domain.orders import Contract
from domain.status import TERMINAL, OrderStatus


class AlertKind(StrEnum):
    STEP_PARKED = "step_parked"  # a step kept failing; the order waits for a retry
    UNDELIVERABLE_ADDRESS = "undeliverable_address"  # on hold until the address is corrected
    DELIVERY_LATE = "delivery_late"  # resolved when the parcel's journey ends
    LOST = "lost"  # lost, damaged or returned parcels stay open as records
    DAMAGED = "damaged"
    RETURNED_TO_SENDER = "returned_to_sender"
    BACKORDER_OVERDUE = "backorder_overdue"
    RETURN_FAILED = "return_failed"
    DELIVERED_AFTER_CANCEL = "delivered_after_cancel"


class Fix(StrEnum):
    """What removes an alert's cause, where that is not a person saying it is dealt with."""

    RETRY_STEP = "retry_step"  # POST /orders/{order_id}/retry
    CORRECT_ADDRESS = "correct_address"  # PUT /orders/{order_id}/shipping-address


# Why support resolves an alert by hand: kept in the timeline.
ResolutionReason = Annotated[str, Text(200, min_length=3)]


class AlertResolution(Contract):
    """Support resolves an alert by hand; the actor is the key (or the CLI's user)."""

    reason: ResolutionReason


def standing_fix(kind: str, order_status: OrderStatus) -> Fix | None:
    """The fix an alert waits for while its cause stands, or None if a person may resolve
    it by hand. Resolving a parked step's alert by hand would hide an order that waits for
    its retry; once the order is closed (cancelled while parked) nothing can retry it, so
    the alert is a record a person closes. Likewise an address alert while the order is on
    hold for it."""
    if kind == AlertKind.STEP_PARKED and order_status not in TERMINAL:
        return Fix.RETRY_STEP
    if kind == AlertKind.UNDELIVERABLE_ADDRESS and order_status is OrderStatus.ON_HOLD:
        return Fix.CORRECT_ADDRESS
    return None
