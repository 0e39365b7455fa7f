"""Pick and pack: each warehouse an order ships from opens a fulfillment, and confirms when
the parcel is packed; the parcel's weight comes from product data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from temporalio import activity

from activities.failures import business_rules
from contracts.fulfillment import OpenFulfillmentsInput, PackedInput, ParcelPacked
from db import reservations
from db.engine import Database
from db.models import Fulfillment, StockReservation
from db.unit_of_work import UnitOfWork, run_once, unit_of_work


def open_fulfillment(uow: UnitOfWork, order_id: str, warehouse: str, at: datetime) -> None:
    """The warehouse starts picking the order's units, once: when the order is paid, or when
    an edit moves units to a warehouse that had none of them."""
    key = f"picking:{warehouse}"

    def start() -> None:
        uow.session.execute(
            insert(Fulfillment).values(
                id=f"{order_id}:{warehouse}",
                order_id=order_id,
                warehouse=warehouse,
                status="picking",
                opened_at=at,
            )
        )
        uow.record(order_id, key, "picking_started", None, at, data={"warehouse": warehouse})

    uow.once(order_id, key, None, start)


class FulfillmentActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    @business_rules
    def open_fulfillments(self, inp: OpenFulfillmentsInput) -> list[str]:
        """A pick-and-pack task per warehouse holding the order's stock, opened once each;
        their warehouses."""
        with unit_of_work(self._db) as uow:
            warehouses = list(
                uow.session.scalars(
                    select(StockReservation.warehouse)
                    .distinct()
                    .where(StockReservation.order_id == inp.order_id, StockReservation.state == "active")
                    .order_by(StockReservation.warehouse)
                )
            )
            for wh in warehouses:
                open_fulfillment(uow, inp.order_id, wh, inp.at)
        return warehouses

    @activity.defn
    @business_rules
    def confirm_packed(self, inp: PackedInput) -> ParcelPacked:
        key = f"packed:{inp.warehouse}"
        return run_once(self._db, inp.order_id, key, ParcelPacked, lambda uow: self._pack(uow, inp, key))

    def _pack(self, uow: UnitOfWork, inp: PackedInput, key: str) -> ParcelPacked:
        grams = reservations.parcel_weight(uow.session, inp.order_id, inp.warehouse)
        uow.session.execute(
            update(Fulfillment)
            .where(Fulfillment.id == f"{inp.order_id}:{inp.warehouse}", Fulfillment.status == "picking")
            .values(status="packed", weight_grams=grams, packed_at=inp.at, packed_by=inp.actor)
        )
        uow.record(inp.order_id, key, "parcel_packed", None, inp.at, actor=inp.actor,
                   data={"warehouse": inp.warehouse, "weight_grams": grams})  # fmt: skip
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
