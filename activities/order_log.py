"""Status changes that are not a side effect of another step: completion, cancellation
(which also gives the order's coupons back and stops its picking)."""

from __future__ import annotations

from sqlalchemy import update
from temporalio import activity

from activities.failures import business_rules
from contracts.order_log import RecordEventInput
from db import coupons
from db.engine import Database
from db.models import Fulfillment
from db.unit_of_work import UnitOfWork, run_once
from domain.status import OrderStatus


class OrderLogActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    @business_rules
    def record_event(self, inp: RecordEventInput) -> None:
        run_once(self._db, inp.order_id, inp.key, None, lambda uow: self._record(uow, inp))

    def _record(self, uow: UnitOfWork, inp: RecordEventInput) -> None:
        data = inp.data
        if inp.status is OrderStatus.CANCELLED:
            # A cancelled order gives its coupon uses back and stops its warehouses picking,
            # in the same transaction.
            uow.session.execute(
                update(Fulfillment)
                .where(Fulfillment.order_id == inp.order_id, Fulfillment.status == "picking")
                .values(status="cancelled")
            )
            released = coupons.release(uow.session, inp.order_id, inp.at)
            data = {**data, "coupons_released": released} if released else data
        uow.record(
            inp.order_id, inp.key, inp.type, inp.status, inp.at, actor=inp.actor, reason=inp.reason, data=data
        )
