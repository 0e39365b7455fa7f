"""Inputs and outputs of the shipping activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from contracts.step import Step
from domain.changes import Cancellation
from domain.orders import Address, ShipmentBooked
from domain.status import OrderStatus
from domain.tracking import TrackingEvent


class BookParcelInput(BaseModel):
    order_id: str
    warehouse: str
    at: datetime
    # A replacement for this (lost, damaged or returned) parcel.
    replaces: str | None = None
    # The order's status once booked (shipped), or None to leave it as it is.
    order_status: OrderStatus | None = None


class TrackingRecorded(BaseModel):
    """What the database holds once a carrier event is recorded."""

    order_status: OrderStatus
    parcel_status: str
    # A whole cancellation that is stored as asked for (its steps may have committed in a
    # workflow task that was lost, its update with it).
    cancellation: Cancellation | None = None


class CorrectAddressInput(BaseModel):
    order_id: str
    address: Address
    actor: str
    at: datetime


class RecordTrackingInput(BaseModel):
    order_id: str
    event: TrackingEvent
    order_status: OrderStatus
    at: datetime


# The steps, by their activities' names.
BOOK_PARCEL: Step[BookParcelInput, ShipmentBooked] = Step("book_parcel", BookParcelInput, ShipmentBooked)
CORRECT_ADDRESS: Step[CorrectAddressInput, None] = Step("correct_address", CorrectAddressInput, type(None))
RECORD_TRACKING: Step[RecordTrackingInput, TrackingRecorded | None] = Step(
    "record_tracking", RecordTrackingInput, TrackingRecorded | None
)
PARCEL_STATES: Step[str, dict[str, str]] = Step("parcel_states", str, dict[str, str])
