"""Parcel tracking: the order of carrier milestones, so late or repeated events never move
a parcel backwards."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class TrackingStatus(StrEnum):
    BOOKED = "booked"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"


PROGRESS: dict[TrackingStatus, int] = {status: rank for rank, status in enumerate(TrackingStatus)}


class TrackingEvent(BaseModel):
    """A carrier's webhook call, as it arrives at POST /webhooks/carrier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    tracking_number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    status: TrackingStatus
    occurred_at: datetime
    location: str | None = None


def moves_forward(current: TrackingStatus, incoming: TrackingStatus) -> bool:
    return PROGRESS[incoming] > PROGRESS[current]


# The sandbox carrier and the dev stack walk a parcel through these, in order.
JOURNEY: tuple[TrackingStatus, ...] = (
    TrackingStatus.PICKED_UP,
    TrackingStatus.IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY,
    TrackingStatus.DELIVERED,
)
