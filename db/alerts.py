"""Support alerts in the order's timeline: a `support_alerted` event (key `alert:...`, the
kind in its data) is open until an `alert_resolved` event keyed `resolved:<alert key>` joins
it, written in the transaction of the step that removed its cause, or by a person who
resolves it by hand. An `alert_acknowledged` event keyed `acknowledged:<alert key>` says
someone is on it; the alert stays open."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, literal, select
from sqlalchemy.orm import Session, aliased

from db import order_log
from db.models import Order, OrderEvent
from domain.alerts import standing_fix
from domain.errors import ErrorCode, OrdinoError
from domain.status import OrderStatus

RAISED = "support_alerted"
RESOLVED = "alert_resolved"
ACKNOWLEDGED = "alert_acknowledged"


def resolution_key(alert_key: str) -> str:
    return f"resolved:{alert_key}"


def acknowledgement_key(alert_key: str) -> str:
    return f"acknowledged:{alert_key}"


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
    internal: bool = False,
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
        if internal:  # a person's reason, for staff
            details[order_log.INTERNAL] = True
        if order_log.append_event(session, order_id, resolution_key(key), RESOLVED, None, at, actor, why,
                                  details):  # fmt: skip
            resolved.append(key)
    return resolved


def _locked(session: Session, alert_id: int) -> tuple[OrderEvent, OrderStatus]:
    """The alert and its order's status, the order locked: whoever handles one of its
    alerts meanwhile waits, then sees what this transaction did."""
    alert = session.scalars(
        select(OrderEvent).where(OrderEvent.id == alert_id, OrderEvent.type == RAISED)
    ).one_or_none()
    if alert is None:
        raise OrdinoError(ErrorCode.ALERT_NOT_FOUND, f"No alert {alert_id}", {"alert_id": alert_id})
    status = session.execute(select(Order.status).where(Order.id == alert.order_id).with_for_update())
    return alert, OrderStatus(status.scalar_one())


def _resolution(session: Session, alert: OrderEvent) -> OrderEvent | None:
    return session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == alert.order_id, OrderEvent.key == resolution_key(alert.key)
        )
    ).one_or_none()


def _already_resolved(alert_id: int, resolution: OrderEvent) -> OrdinoError:
    return OrdinoError(
        ErrorCode.ALERT_ALREADY_RESOLVED,
        f"Alert {alert_id} was resolved by {resolution.actor}: {resolution.reason or ''}",
        {"resolved_by": resolution.actor, "resolved_at": resolution.at.isoformat()},
    )


def acknowledge(session: Session, alert_id: int, actor: str, at: datetime) -> tuple[OrderEvent, bool]:
    """Say someone is on the alert (it stays open); the first to say so is the one it names,
    and saying it again changes nothing. A resolved alert needs nobody: refused. Answers the
    alert and whether this call acknowledged it."""
    alert, _ = _locked(session, alert_id)
    resolution = _resolution(session, alert)
    if resolution is not None:
        raise _already_resolved(alert_id, resolution)
    details = {"alert": alert.key, "kind": alert.data.get("kind")}
    added = order_log.append_internal(session, alert.order_id, acknowledgement_key(alert.key), ACKNOWLEDGED,
                                      at, actor, None, details)  # fmt: skip
    return alert, added


def resolve_by_hand(
    session: Session, alert_id: int, actor: str, why: str, at: datetime
) -> tuple[OrderEvent, bool]:
    """A person says the alert is dealt with. Sent again by the same person it changes
    nothing; resolved by anyone else first, refused with who and when. An alert whose cause
    stands and has a fix of its own (a parked step, a refused address) waits for that fix.
    Answers the alert and whether this call resolved it."""
    alert, status = _locked(session, alert_id)
    resolution = _resolution(session, alert)
    if resolution is not None:
        if resolution.actor == actor:
            return alert, False
        raise _already_resolved(alert_id, resolution)
    kind = str(alert.data.get("kind", ""))
    fix = standing_fix(kind, status)
    if fix is not None:
        raise OrdinoError(
            ErrorCode.ALERT_CAUSE_STANDS,
            f"A {kind} alert is resolved by its fix ({fix.value}) while the order is {status.value}",
            {"kind": kind, "fix": fix.value},
        )
    resolved = resolve(session, alert.order_id, at, why, keys=[alert.key], actor=actor, internal=True)
    return alert, bool(resolved)
