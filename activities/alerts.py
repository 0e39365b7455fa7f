"""Support alerts whose cause the workflow saw removed (a parked step that went through on a
retry) are marked resolved; causes removed by another step are resolved in that step's own
transaction (a corrected address, a late parcel's journey ending)."""

from __future__ import annotations

from temporalio import activity

from activities.failures import business_rules
from contracts.alerts import ResolveAlertsInput
from db import alerts
from db.engine import Database
from db.unit_of_work import unit_of_work


class AlertActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    @business_rules
    def resolve_alerts(self, inp: ResolveAlertsInput) -> list[str]:
        """Once per alert however often retried: only an open alert is resolved, and its
        resolution is an order event keyed by the alert."""
        with unit_of_work(self._db) as uow:
            return alerts.resolve(uow.session, inp.order_id, inp.at, inp.reason, keys=inp.keys)
