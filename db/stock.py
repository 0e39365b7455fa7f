"""Stock changes inside PostgreSQL. Availability is enforced by a conditional UPDATE, never
by reading in Python and writing later, and every change appends one ledger row keyed for
idempotency."""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import StockLevel, StockMovement, StockReservation, Warehouse
from domain.orders import Reservation


class StockRaceLost(Exception):
    """Another order took the units between our snapshot and our update; allocate again."""


def _ledger(
    session: Session,
    key: str,
    sku: str,
    warehouse: str,
    kind: str,
    on_hand_delta: int,
    reserved_delta: int,
    reason: str,
    reference: str,
) -> bool:
    """Append a ledger row; False if this key was booked before (a retry)."""
    row = session.execute(
        insert(StockMovement)
        .values(
            idempotency_key=key,
            sku=sku,
            warehouse=warehouse,
            kind=kind,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            reason=reason,
            reference=reference,
        )
        .on_conflict_do_nothing()
        .returning(StockMovement.id)
    ).scalar_one_or_none()
    return row is not None


def receive(session: Session, sku: str, warehouse: str, quantity: int, reference: str) -> None:
    """Book a goods receipt once per reference."""
    key = f"receipt:{reference}:{sku}:{warehouse}"
    if not _ledger(session, key, sku, warehouse, "receipt", quantity, 0, "goods receipt", reference):
        return
    session.execute(
        insert(StockLevel)
        .values(sku=sku, warehouse=warehouse, on_hand=quantity, reserved=0)
        .on_conflict_do_update(
            index_elements=[StockLevel.sku, StockLevel.warehouse],
            set_={"on_hand": StockLevel.on_hand + quantity},
        )
    )


def availability(session: Session, skus: list[str]) -> tuple[dict[tuple[str, str], int], list[str]]:
    """Free units per (sku, warehouse) and the warehouses in preference order."""
    rows = session.execute(
        select(StockLevel.sku, StockLevel.warehouse, StockLevel.on_hand - StockLevel.reserved).where(
            StockLevel.sku.in_(skus)
        )
    ).all()
    warehouses = session.scalars(select(Warehouse.code).order_by(Warehouse.priority, Warehouse.code))
    return {(sku, wh): free for sku, wh, free in rows}, list(warehouses)


def reserve(session: Session, order_id: str, plan: list[Reservation]) -> None:
    """Reserve the plan's units. Rows are touched in (sku, warehouse) order so that
    concurrent orders lock in the same order and cannot deadlock."""
    for r in sorted(plan, key=lambda r: (r.sku, r.warehouse)):
        new = session.execute(
            insert(StockReservation)
            .values(order_id=order_id, sku=r.sku, warehouse=r.warehouse, quantity=r.quantity)
            .on_conflict_do_nothing()
            .returning(StockReservation.order_id)
        ).scalar_one_or_none()
        if new is None:
            continue  # reserved by an earlier attempt of this same order
        took = session.execute(
            update(StockLevel)
            .where(
                and_(
                    StockLevel.sku == r.sku,
                    StockLevel.warehouse == r.warehouse,
                    StockLevel.on_hand - StockLevel.reserved >= r.quantity,
                )
            )
            .values(reserved=StockLevel.reserved + r.quantity)
        ).rowcount
        if took != 1:
            raise StockRaceLost(r.sku)
        _ledger(
            session,
            f"reserve:{order_id}:{r.sku}:{r.warehouse}",
            r.sku,
            r.warehouse,
            "reservation",
            0,
            r.quantity,
            "order accepted",
            order_id,
        )


def release(session: Session, order_id: str, reason: str) -> None:
    """Give back every active reservation of an order (idempotent)."""
    rows = session.scalars(
        select(StockReservation)
        .where(StockReservation.order_id == order_id, StockReservation.state == "active")
        .order_by(StockReservation.sku, StockReservation.warehouse)
        .with_for_update()
    ).all()
    for r in rows:
        session.execute(
            update(StockLevel)
            .where(StockLevel.sku == r.sku, StockLevel.warehouse == r.warehouse)
            .values(reserved=StockLevel.reserved - r.quantity)
        )
        r.state = "released"
        _ledger(
            session,
            f"release:{order_id}:{r.sku}:{r.warehouse}",
            r.sku,
            r.warehouse,
            "release",
            0,
            -r.quantity,
            reason,
            order_id,
        )


def ship(session: Session, order_id: str, warehouse: str) -> None:
    """Turn an order's reservations at one warehouse into an outbound movement (idempotent)."""
    rows = session.scalars(
        select(StockReservation)
        .where(
            StockReservation.order_id == order_id,
            StockReservation.warehouse == warehouse,
            StockReservation.state == "active",
        )
        .order_by(StockReservation.sku)
        .with_for_update()
    ).all()
    for r in rows:
        session.execute(
            update(StockLevel)
            .where(StockLevel.sku == r.sku, StockLevel.warehouse == r.warehouse)
            .values(reserved=StockLevel.reserved - r.quantity, on_hand=StockLevel.on_hand - r.quantity)
        )
        r.state = "shipped"
        _ledger(
            session,
            f"ship:{order_id}:{r.sku}:{r.warehouse}",
            r.sku,
            r.warehouse,
            "shipment",
            -r.quantity,
            -r.quantity,
            "parcel handed to carrier",
            order_id,
        )
