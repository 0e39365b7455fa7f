"""A parcel the carrier brought back to its warehouse (returned to sender): its units are
on the shelf again. Booked once per parcel, whatever the order is doing by then."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import order_log, stock
from db.models import Shipment, StockReservation


def parcel_back(s: Session, tracking_number: str, at: datetime) -> bool:
    """Restock a returned parcel's units; False if it is unknown or was booked back before."""
    parcel = s.scalars(
        select(Shipment).where(Shipment.tracking_number == tracking_number).with_for_update()
    ).one_or_none()
    if parcel is None or parcel.status in ("cancelled", "delivered", "returned_to_sender"):
        # Never left (its units came back when it was cancelled), reached the customer, or
        # booked back before: nothing comes back now.
        return False
    units = dict(
        s.execute(
            select(StockReservation.sku, StockReservation.quantity).where(
                StockReservation.order_id == parcel.order_id,
                StockReservation.warehouse == parcel.warehouse,
                StockReservation.state == "shipped",
            )
        ).all()
    )
    stock.restock_shipment(s, parcel.order_id, parcel.warehouse, units, f"back:{tracking_number}")
    s.execute(
        update(Shipment).where(Shipment.id == parcel.id).values(status="returned_to_sender", updated_at=at)
    )
    return order_log.append_event(
        s, parcel.order_id, f"back:{tracking_number}", "parcel_back_in_stock", None, at, actor="carrier",
        data={"tracking_number": tracking_number, "warehouse": parcel.warehouse, "units": units},
    )  # fmt: skip
