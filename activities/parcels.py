"""Booking a parcel with the carrier: the one path for an order's parcels, replacements of
parcels that never arrived, and an exchange's replacement goods. The booking is the outside
call, keyed by the shipment's id so the carrier answers a repeat with the same parcel; the
shipment row, the units leaving the warehouse and the order's event are booked once, under
the event's key, in one unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from db import stock
from db.engine import Database
from db.models import Shipment
from db.unit_of_work import UnitOfWork, call_once
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Address, ShipmentBooked
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from providers.carrier import Booking, BookingRejected, Carrier


@dataclass(frozen=True)
class Parcel:
    order_id: str
    warehouse: str
    # The shipments row's id, and the carrier's idempotency key.
    shipment_id: str
    recipient: Address
    grams: int
    at: datetime
    # Whose reservations at the warehouse leave with the parcel: the order's, or a return's
    # for an exchange; None for a replacement, whose units were taken from free stock.
    ships: str | None
    replaces: str | None = None


@dataclass(frozen=True)
class BookedEvent:
    """The order event a booking appends; its key is the booking's guard."""

    key: str
    type: str
    status: OrderStatus | None = None
    data: dict[str, Any] = field(default_factory=dict)


def book(db: Database, carrier: Carrier, parcel: Parcel, event: BookedEvent) -> ShipmentBooked:
    """Book the parcel once; any later run answers the first booking."""
    return call_once(
        db,
        parcel.order_id,
        event.key,
        ShipmentBooked,
        call=lambda: _book_with_carrier(carrier, parcel),
        book=lambda uow, booking: _record(uow, parcel, event, booking),
    )


def _book_with_carrier(carrier: Carrier, parcel: Parcel) -> Booking:
    try:
        return carrier.book(
            parcel.shipment_id, parcel.order_id, parcel.warehouse, parcel.recipient, parcel.grams
        )
    except BookingRejected as err:
        raise OrdinoError(
            ErrorCode.UNDELIVERABLE_ADDRESS,
            err.message,
            {"carrier_code": err.code, "warehouse": parcel.warehouse},
        ) from err


def _record(uow: UnitOfWork, parcel: Parcel, event: BookedEvent, booking: Booking) -> ShipmentBooked:
    uow.session.add(
        Shipment(
            id=parcel.shipment_id,
            order_id=parcel.order_id,
            warehouse=parcel.warehouse,
            carrier=booking.carrier,
            tracking_number=booking.tracking_number,
            status=TrackingStatus.BOOKED.value,
            booked_at=parcel.at,
            updated_at=parcel.at,
            weight_grams=parcel.grams,
            cost=booking.cost,
            label_pdf=booking.label_pdf or None,
            replaces=parcel.replaces,
        )
    )
    uow.session.flush()
    if parcel.ships is not None:
        stock.ship(uow.session, parcel.ships, parcel.warehouse)
    uow.record(
        parcel.order_id,
        event.key,
        event.type,
        event.status,
        parcel.at,
        data={**event.data, "carrier": booking.carrier, "tracking_number": booking.tracking_number},
    )
    return ShipmentBooked(
        shipment_id=parcel.shipment_id, carrier=booking.carrier, tracking_number=booking.tracking_number
    )
