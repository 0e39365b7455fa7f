"""The read side of support alerts: each open alert with its order, who acknowledged it, and
whether a person may resolve it by hand; one alert by its id, resolved or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, literal, select
from sqlalchemy.orm import Session, aliased

from db import alerts as support_alerts
from db.models import Order, OrderEvent
from domain.alerts import AlertKind, Fix, standing_fix
from domain.status import OrderStatus


class AlertView(BaseModel):
    id: int = Field(description="The alert's id in /support/alerts/{alert_id}")
    order_id: str
    order_status: str
    channel: str
    kind: str
    message: str | None
    at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    fix: Fix | None = Field(
        None,
        description="What removes the alert's cause while it stands; until then it is not resolved by hand",
    )


@dataclass(frozen=True)
class AlertFilter:
    kind: AlertKind | None = None
    acknowledged: bool | None = None
    channel: str | None = None


_ack = aliased(OrderEvent, name="acknowledgement")
_res = aliased(OrderEvent, name="resolution")


def _joined(key_of: type[OrderEvent], prefix: str) -> Any:
    return and_(key_of.order_id == OrderEvent.order_id, key_of.key == literal(prefix) + OrderEvent.key)


def _query() -> Select[OrderEvent, str, str, OrderEvent, OrderEvent]:
    return (
        select(OrderEvent, Order.status, Order.channel, _ack, _res)
        .join(Order, Order.id == OrderEvent.order_id)
        .outerjoin(_ack, _joined(_ack, support_alerts.acknowledgement_key("")))
        .outerjoin(_res, _joined(_res, support_alerts.resolution_key("")))
        .where(OrderEvent.type == support_alerts.RAISED)
    )


def _view(row: Any) -> AlertView:
    alert, status, channel, ack, res = row
    kind = alert.data.get("kind", "")
    return AlertView(
        id=alert.id, order_id=alert.order_id, order_status=status, channel=channel, kind=kind,
        message=alert.reason, at=alert.at,
        acknowledged_by=ack.actor if ack else None, acknowledged_at=ack.at if ack else None,
        resolved_by=res.actor if res else None, resolved_at=res.at if res else None,
        resolution=res.reason if res else None,
        fix=None if res else standing_fix(kind, OrderStatus(status)),
    )  # fmt: skip


def alerts(session: Session, limit: int, only: AlertFilter = AlertFilter()) -> list[AlertView]:
    """The open alerts, newest first: one whose cause was removed is resolved in the timeline."""
    query = _query().where(_res.id.is_(None))
    if only.kind is not None:
        query = query.where(OrderEvent.data["kind"].astext == only.kind.value)
    if only.acknowledged is not None:
        query = query.where(_ack.id.is_not(None) if only.acknowledged else _ack.id.is_(None))
    if only.channel is not None:
        query = query.where(Order.channel == only.channel)
    rows = session.execute(query.order_by(OrderEvent.at.desc(), OrderEvent.id.desc()).limit(limit))
    return [_view(r) for r in rows]


def alert(session: Session, alert_id: int) -> AlertView | None:
    row = session.execute(_query().where(OrderEvent.id == alert_id)).one_or_none()
    return _view(row) if row is not None else None
