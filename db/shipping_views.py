"""The read side of shipping: parcels with their tracking history, labels, support alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import alerts as support_alerts
from db.models import Order, OrderEvent, Shipment


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


class AlertView(BaseModel):
    order_id: str
    order_status: str
    kind: str
    message: str | None
    at: datetime


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


def alerts(session: Session, limit: int) -> list[AlertView]:
    """The open alerts, newest first: one whose cause was removed is resolved in the timeline."""
    rows = session.execute(
        select(OrderEvent, Order.status)
        .join(Order, Order.id == OrderEvent.order_id)
        .where(OrderEvent.type == support_alerts.RAISED, support_alerts.still_open())
        .order_by(OrderEvent.at.desc(), OrderEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        AlertView(
            order_id=e.order_id, order_status=status, kind=e.data.get("kind", ""), message=e.reason, at=e.at
        )
        for e, status in rows
    ]
