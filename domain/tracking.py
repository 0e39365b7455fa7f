"""Parcel tracking: the order of carrier milestones, so late or repeated events never move
a parcel backwards, and which events end a parcel's journey."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict

from domain.inputs import Moment, Text


class TrackingStatus(StrEnum):
    BOOKED = "booked"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELAYED = "delayed"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_ATTEMPTED = "delivery_attempted"
    DELIVERED = "delivered"
    LOST = "lost"
    DAMAGED = "damaged"
    RETURNED_TO_SENDER = "returned_to_sender"


T = TrackingStatus
# How far along a parcel is. A notice (delayed, delivery attempted) shares the rank of the
# milestone it reports on; every end of a journey has the top rank.
PROGRESS: dict[TrackingStatus, int] = {
    T.BOOKED: 0,
    T.PICKED_UP: 1,
    T.IN_TRANSIT: 2,
    T.DELAYED: 2,
    T.OUT_FOR_DELIVERY: 3,
    T.DELIVERY_ATTEMPTED: 3,
    T.DELIVERED: 4,
    T.LOST: 4,
    T.DAMAGED: 4,
    T.RETURNED_TO_SENDER: 4,
}
NOTICES = frozenset({T.DELAYED, T.DELIVERY_ATTEMPTED})
# The parcel did not reach the customer: it is reshipped or refunded, per policy.
FAILED = frozenset({T.LOST, T.DAMAGED, T.RETURNED_TO_SENDER})
ENDED = frozenset({T.DELIVERED, *FAILED})
# What a cancellation made of a parcel (its booking cancelled, or the parcel recalled).
STOPPED = frozenset({"cancelled", "recalled"})


class TrackingEvent(BaseModel):
    """A carrier's webhook call, as it arrives at POST /webhooks/carrier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: Annotated[str, Text(100)]
    tracking_number: Annotated[str, Text(64)]
    status: TrackingStatus
    occurred_at: Moment
    location: Annotated[str, Text(200, min_length=0)] | None = None


def moves_forward(current: TrackingStatus, incoming: TrackingStatus) -> bool:
    """A later milestone, or a new notice about the current one; nothing after the end."""
    if current in ENDED:
        return False
    if PROGRESS[incoming] > PROGRESS[current]:
        return True
    return incoming in NOTICES and incoming is not current and PROGRESS[incoming] == PROGRESS[current]


class ParcelPolicy(StrEnum):
    """What happens to a parcel that was lost, damaged or returned to sender."""

    RESHIP = "reship"
    REFUND = "refund"


# The sandbox carrier and the dev stack walk a parcel through these, in order.
JOURNEY: tuple[TrackingStatus, ...] = (
    TrackingStatus.PICKED_UP,
    TrackingStatus.IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY,
    TrackingStatus.DELIVERED,
)
