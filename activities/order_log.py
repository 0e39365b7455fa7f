"""Status changes that are not a side effect of another step: completion, cancellation
(which also gives the order's coupons back and stops its picking)."""

from __future__ import annotations

from sqlalchemy import update
from temporalio import activity

from activities.failures import business_rules
from contracts.order_log import RecordEventInput
from db import coupons, order_log
from db.engine import Database
from db.models import Fulfillment
from domain.status import OrderStatus


class OrderLogActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    @business_rules
    def record_event(self, inp: RecordEventInput) -> None:
        with self._db.transaction() as s:
            data = inp.data
            if inp.status is OrderStatus.CANCELLED:
                # A cancelled order gives its coupon uses back and stops its warehouses picking,
                # in the same transaction.
                s.execute(
                    update(Fulfillment)
                    .where(Fulfillment.order_id == inp.order_id, Fulfillment.status == "picking")
                    .values(status="cancelled")
                )
                released = coupons.release(s, inp.order_id, inp.at)
                data = {**data, "coupons_released": released} if released else data
            order_log.append_event(
                s, inp.order_id, inp.key, inp.type, inp.status, inp.at, inp.actor, inp.reason, data
            )
