"""Support alerts over HTTP: what support must look at, filtered; acknowledging one (someone
is on it) and resolving one by hand with a reason. Both are idempotent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from db import alert_views as views
from domain.alerts import AlertKind, AlertResolution
from domain.errors import ErrorCode, OrdinoError
from starter.http.access import Caller, GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key, RowId
from starter.operations import alerts
from starter.operations.sessions import read, read_one

router = APIRouter(prefix="/support/alerts", tags=["support"], route_class=GuardedRoute)


@router.get("", response_model=list[views.AlertView])
async def open_alerts(
    svc: Svc,
    kind: AlertKind | None = None,
    acknowledged: bool | None = None,
    channel: Key | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[views.AlertView]:
    """What support must look at, newest first: undeliverable addresses, late, lost, damaged
    and returned parcels, parked steps, overdue backorders, failed returns."""
    only = views.AlertFilter(kind=kind, acknowledged=acknowledged, channel=channel)
    return await read(svc.db, views.alerts, limit, only)


@router.get("/{alert_id}", response_model=views.AlertView, openapi_extra=refusals(ErrorCode.ALERT_NOT_FOUND))
async def one_alert(alert_id: RowId, svc: Svc) -> views.AlertView:
    """One alert, open or resolved, with who acknowledged and who resolved it."""
    missing = OrdinoError(ErrorCode.ALERT_NOT_FOUND, f"No alert {alert_id}", {"alert_id": alert_id})
    return await read_one(svc.db, missing, views.alert, alert_id)


@router.post(
    "/{alert_id}/acknowledge",
    response_model=views.AlertView,
    openapi_extra=refusals(ErrorCode.ALERT_NOT_FOUND, ErrorCode.ALERT_ALREADY_RESOLVED),
)
async def acknowledge(alert_id: RowId, svc: Svc, caller: Caller) -> views.AlertView:
    """Someone is on it: the alert stays open and names who acknowledged it first, and when.
    `409 alert_already_resolved` once it is resolved."""
    return await run_in_threadpool(alerts.acknowledge, svc.db, alert_id, caller.actor)


@router.post(
    "/{alert_id}/resolve",
    response_model=views.AlertView,
    openapi_extra=refusals(
        ErrorCode.ALERT_NOT_FOUND, ErrorCode.ALERT_ALREADY_RESOLVED, ErrorCode.ALERT_CAUSE_STANDS
    ),
)
async def resolve(alert_id: RowId, body: AlertResolution, svc: Svc, caller: Caller) -> views.AlertView:
    """Resolve an alert by hand, with a reason (kept in the order's timeline). The same key
    again answers the same; resolved by someone else first, `409 alert_already_resolved`.
    An alert with a fix of its own while its cause stands (`fix` in the alert: a parked step
    to retry, a held address to correct) is `409 alert_cause_stands`."""
    return await run_in_threadpool(alerts.resolve, svc.db, alert_id, caller.actor, body.reason)
