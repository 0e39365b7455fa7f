"""Support alerts whose cause the workflow saw removed (a parked step that went through on a
retry) are marked resolved; causes removed by another step are resolved in that step's own
transaction (a corrected address, a late parcel's journey ending)."""

from __future__ import annotations

from temporalio import activity

from activities.failures import business_rules
from contracts.alerts import ResolveAlertsInput
from db import alerts
from db.engine import Database


class AlertActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    @business_rules
    def resolve_alerts(self, inp: ResolveAlertsInput) -> list[str]:
        """Once per alert however often retried (each resolution is keyed by its alert)."""
        with self._db.transaction() as s:
            return alerts.resolve(s, inp.order_id, inp.at, inp.reason, keys=inp.keys)
