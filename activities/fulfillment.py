"""Pick and pack: each warehouse an order ships from opens a fulfillment, and confirms when
the parcel is packed; the parcel's weight comes from product data."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from temporalio import activity

from activities.failures import business_rules
from contracts.fulfillment import OpenFulfillmentsInput, PackedInput, ParcelPacked
from db import order_log
from db.engine import Database
from db.models import Fulfillment, Product, StockReservation


def parcel_weight(session: Session, order_id: str, warehouse: str) -> int:
    """What the order's units from one warehouse weigh, by the catalog."""
    grams = session.scalar(
        select(func.coalesce(func.sum(StockReservation.quantity * Product.weight_grams), 0))
        .join(Product, Product.sku == StockReservation.sku)
        .where(
            StockReservation.order_id == order_id,
            StockReservation.warehouse == warehouse,
            StockReservation.state != "released",
        )
    )
    return int(grams or 0)


def parcel_weights(session: Session, order_id: str) -> dict[str, int]:
    """What the units an order (or a return's replacement) holds weigh, per warehouse."""
    rows = session.execute(
        select(StockReservation.warehouse, func.sum(StockReservation.quantity * Product.weight_grams))
        .join(Product, Product.sku == StockReservation.sku)
        .where(StockReservation.order_id == order_id, StockReservation.state != "released")
        .group_by(StockReservation.warehouse)
        .order_by(StockReservation.warehouse)
    ).all()
    return {wh: int(grams) for wh, grams in rows}


class FulfillmentActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    @business_rules
    def open_fulfillments(self, inp: OpenFulfillmentsInput) -> list[str]:
        """A pick-and-pack task per warehouse holding the order's stock; their warehouses."""
        with self._db.transaction() as s:
            warehouses = list(
                s.scalars(
                    select(StockReservation.warehouse)
                    .distinct()
                    .where(StockReservation.order_id == inp.order_id, StockReservation.state == "active")
                    .order_by(StockReservation.warehouse)
                )
            )
            for wh in warehouses:
                added = s.execute(
                    insert(Fulfillment)
                    .values(
                        id=f"{inp.order_id}:{wh}",
                        order_id=inp.order_id,
                        warehouse=wh,
                        status="picking",
                        opened_at=inp.at,
                    )
                    .on_conflict_do_nothing()
                    .returning(Fulfillment.id)
                ).scalar_one_or_none()
                if added:
                    order_log.append_event(
                        s,
                        inp.order_id,
                        f"picking:{wh}",
                        "picking_started",
                        None,
                        inp.at,
                        data={"warehouse": wh},
                    )
        return warehouses

    @activity.defn
    @business_rules
    def confirm_packed(self, inp: PackedInput) -> ParcelPacked:
        with self._db.transaction() as s:
            grams = parcel_weight(s, inp.order_id, inp.warehouse)
            s.execute(
                update(Fulfillment)
                .where(Fulfillment.id == f"{inp.order_id}:{inp.warehouse}", Fulfillment.status == "picking")
                .values(status="packed", weight_grams=grams, packed_at=inp.at, packed_by=inp.actor)
            )
            order_log.append_event(
                s,
                inp.order_id,
                f"packed:{inp.warehouse}",
                "parcel_packed",
                None,
                inp.at,
                actor=inp.actor,
                data={"warehouse": inp.warehouse, "weight_grams": grams},
            )
        return ParcelPacked(warehouse=inp.warehouse, weight_grams=grams)

    @activity.defn
    @business_rules
    def packed_parcels(self, order_id: str) -> list[ParcelPacked]:
        """The order's parcels the database says are packed: a workflow waiting for packing
        learns from this what a confirmation lost with its workflow task already did."""
        with self._db.reader() as s:
            rows = s.execute(
                select(Fulfillment.warehouse, Fulfillment.weight_grams)
                .where(Fulfillment.order_id == order_id, Fulfillment.status == "packed")
                .order_by(Fulfillment.warehouse)
            ).all()
        return [ParcelPacked(warehouse=wh, weight_grams=grams or 0) for wh, grams in rows]
