"""What an order (or a return's replacement, held under the return's id) holds in stock:
its active reservations, the units that left each warehouse with its parcel, and what they
weigh. Read-only; stock changes are db/stock.py."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Product, StockReservation


def active(session: Session, holder: str) -> dict[tuple[str, str], int]:
    """(sku, warehouse) -> units the holder holds and has not shipped."""
    rows = session.execute(
        select(StockReservation.sku, StockReservation.warehouse, StockReservation.quantity).where(
            StockReservation.order_id == holder, StockReservation.state == "active"
        )
    ).all()
    return {(sku, wh): qty for sku, wh, qty in rows}


def shipped_by_warehouse(
    session: Session, holder: str, warehouse: str | None = None
) -> dict[str, dict[str, int]]:
    """warehouse -> sku -> units that left with the holder's parcel from that warehouse (from
    every warehouse, or the one asked for). A replacement parcel carries what the parcel it
    replaces did, so these are also what a stopped or returned parcel brings back."""
    query = select(StockReservation.warehouse, StockReservation.sku, StockReservation.quantity).where(
        StockReservation.order_id == holder, StockReservation.state == "shipped"
    )
    if warehouse is not None:
        query = query.where(StockReservation.warehouse == warehouse)
    units: dict[str, dict[str, int]] = {}
    for wh, sku, quantity in session.execute(query.order_by(StockReservation.sku)).all():
        units.setdefault(wh, {})[sku] = quantity
    return units


def shipped_units(session: Session, holder: str, warehouse: str) -> dict[str, int]:
    """sku -> units that left with the holder's parcel from one warehouse."""
    return shipped_by_warehouse(session, holder, warehouse).get(warehouse, {})


def parcel_weight(session: Session, holder: str, warehouse: str) -> int:
    """What the holder's units from one warehouse weigh, by the catalog."""
    return parcel_weights(session, holder).get(warehouse, 0)


def parcel_weights(session: Session, holder: str) -> dict[str, int]:
    """What the units a holder holds (reserved or shipped) weigh, per warehouse."""
    rows = session.execute(
        select(StockReservation.warehouse, func.sum(StockReservation.quantity * Product.weight_grams))
        .join(Product, Product.sku == StockReservation.sku)
        .where(StockReservation.order_id == holder, StockReservation.state != "released")
        .group_by(StockReservation.warehouse)
        .order_by(StockReservation.warehouse)
    ).all()
    return {wh: int(grams or 0) for wh, grams in rows}
