"""Support handles an alert, from the API or the CLI: acknowledges it (someone is on it) or
resolves it by hand with a reason. Each is one transaction, answered with the alert as it
stands afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from db import alert_views, alerts
from db.engine import Database
from domain.errors import ErrorCode, OrdinoError

log = structlog.get_logger()


def _after(db: Database, alert_id: int) -> alert_views.AlertView:
    with db.reader() as s:
        found = alert_views.alert(s, alert_id)
    if found is None:  # alerts are never deleted
        raise OrdinoError(ErrorCode.ALERT_NOT_FOUND, f"No alert {alert_id}", {"alert_id": alert_id})
    return found


def acknowledge(db: Database, alert_id: int, actor: str) -> alert_views.AlertView:
    with db.transaction() as s:
        alert, added = alerts.acknowledge(s, alert_id, actor, datetime.now(UTC))
        order_id, kind = alert.order_id, alert.data.get("kind")
    if added:
        log.info("alert acknowledged", order_id=order_id, alert_id=alert_id, kind=kind)
    return _after(db, alert_id)


def resolve(db: Database, alert_id: int, actor: str, reason: str) -> alert_views.AlertView:
    with db.transaction() as s:
        alert, resolved = alerts.resolve_by_hand(s, alert_id, actor, reason, datetime.now(UTC))
        order_id, kind = alert.order_id, alert.data.get("kind")
    if resolved:
        log.info("alert resolved by hand", order_id=order_id, alert_id=alert_id, kind=kind)
    return _after(db, alert_id)
