"""Stock for one order: what it still waits for, and giving it back (the compensation
for a reservation)."""

from __future__ import annotations

from temporalio import activity

from activities.failures import business_rules
from contracts.inventory import ReleaseStockInput
from db import order_views, stock
from db.engine import Database
from db.models import Order
from db.unit_of_work import run_once
from domain.fulfillment import Fulfillment, plan_fulfillments
from domain.quote import Quote


class InventoryActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    @business_rules
    def release_stock(self, inp: ReleaseStockInput) -> None:
        # Once per order: a cancelled order's stock goes back however often this is retried.
        run_once(
            self._db,
            inp.order_id,
            "stock_released",
            None,
            lambda uow: stock.release(uow.session, inp.order_id, inp.reason),
        )

    @activity.defn
    @business_rules
    def plan_fulfillments(self, order_id: str) -> list[Fulfillment]:
        """The order's parcels, one per warehouse holding its stock, each with its share of
        the total to capture when it ships."""
        with self._db.reader() as s:
            order = s.get(Order, order_id)
            assert order is not None, f"order {order_id} has no row"
            return plan_fulfillments(
                Quote.model_validate(order.quote), order_views.reservations(s, order_id, held_only=True)
            )

    @activity.defn
    @business_rules
    def waiting_backorders(self, order_id: str) -> dict[str, int]:
        """What the order still waits for; empty once every backorder is filled."""
        with self._db.reader() as s:
            return stock.waiting(s, order_id)
