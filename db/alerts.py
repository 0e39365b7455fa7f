"""Support alerts in the order's timeline: a `support_alerted` event (key `alert:...`, the
kind in its data) is open until an `alert_resolved` event keyed `resolved:<alert key>` joins
it, written in the transaction of the step that removed its cause."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, literal, select
from sqlalchemy.orm import Session, aliased

from db import order_log
from db.models import OrderEvent

RAISED = "support_alerted"
RESOLVED = "alert_resolved"


def resolution_key(alert_key: str) -> str:
    return f"resolved:{alert_key}"


def still_open() -> ColumnElement[bool]:
    """A condition on OrderEvent: no resolution of this alert (one look in the unique index)."""
    resolution = aliased(OrderEvent)
    return ~exists().where(
        resolution.order_id == OrderEvent.order_id,
        resolution.key == literal("resolved:") + OrderEvent.key,
    )


def resolve(
    session: Session,
    order_id: str,
    at: datetime,
    why: str,
    *,
    kind: str | None = None,
    keys: Iterable[str] = (),
    actor: str = order_log.SYSTEM,
) -> list[str]:
    """Resolve the order's open alerts of a kind, or with these keys; the keys resolved."""
    query = select(OrderEvent.key, OrderEvent.data).where(
        OrderEvent.order_id == order_id, OrderEvent.type == RAISED, still_open()
    )
    query = (
        query.where(OrderEvent.data["kind"].astext == kind)
        if kind
        else query.where(OrderEvent.key.in_(list(keys)))
    )
    resolved: list[str] = []
    for key, data in session.execute(query.order_by(OrderEvent.id)).all():
        details: dict[str, Any] = {"alert": key, "kind": data.get("kind")}
        if order_log.append_event(session, order_id, resolution_key(key), RESOLVED, None, at, actor, why,
                                  details):  # fmt: skip
            resolved.append(key)
    return resolved
