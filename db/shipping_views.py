"""The read side of shipping: parcels with their tracking history, labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import OrderEvent, Shipment


class TrackingView(BaseModel):
    at: datetime
    status: str
    location: str | None


class ParcelView(BaseModel):
    """The customer's tracking page: anyone with the tracking number sees it, so it holds
    where the parcel is and nothing of the order or the customer."""

    tracking_number: str
    carrier: str
    status: str
    booked_at: datetime
    delivered_at: datetime | None
    events: list[TrackingView]


def parcel(session: Session, tracking_number: str) -> ParcelView | None:
    sh = session.scalars(select(Shipment).where(Shipment.tracking_number == tracking_number)).one_or_none()
    if sh is None:
        return None
    events = session.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == sh.order_id, OrderEvent.key.startswith("tracking:"))
        .order_by(OrderEvent.id)
    )
    data: dict[str, Any] = {c: getattr(sh, c) for c in ParcelView.model_fields if c != "events"}
    return ParcelView(
        **data,
        events=[
            TrackingView(at=e.at, status=e.type.removeprefix("parcel_"), location=e.data.get("location"))
            for e in events
            if e.data.get("tracking_number") == tracking_number
        ],
    )


def label(session: Session, tracking_number: str) -> bytes | None:
    return session.scalar(select(Shipment.label_pdf).where(Shipment.tracking_number == tracking_number))
