"""The queues: what waits for support, on one page with a count per queue. Open alerts
(acknowledged or resolved by hand from here, after a confirmation), returns waiting for a
decision or for their parcel, orders waiting for stock, and stock to reorder. Each queue is
shown to whoever may read it over the API, and each action offered to whoever may take it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from db import alert_views, inventory_views, return_views
from db.engine import Database
from domain.access import Principal
from domain.alerts import AlertKind, AlertResolution
from domain.errors import HTTP_STATUS, OrdinoError
from domain.returns import ReturnStatus
from starter.console.forms import validated
from starter.console.pages import render
from starter.console.permissions import may
from starter.console.sessions import PREFIX, ConsoleRefusal, Staff, StaffPost, StaffSession
from starter.http.dependencies import Svc
from starter.operations import alerts

router = APIRouter(prefix=PREFIX)
LIMIT = 100  # rows a queue shows; its count says "100+" beyond
Text = Annotated[str, Query(max_length=64)]
FormText = Annotated[str, Form(max_length=64)]
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ACKNOWLEDGE = ("POST", "/support/alerts/{alert_id}/acknowledge")
RESOLVE = ("POST", "/support/alerts/{alert_id}/resolve")


@dataclass(frozen=True)
class Filters:
    """The alert queue's filters as the page's form sends them (empty: any)."""

    kind: str = ""
    acknowledged: str = ""  # "yes", "no" or ""
    channel: str = ""

    def query(self) -> str:
        kept = {k: v for k, v in vars(self).items() if v}
        return f"?{urlencode(kept)}" if kept else ""

    def only(self) -> alert_views.AlertFilter:
        return alert_views.AlertFilter(
            kind=AlertKind(self.kind) if self.kind in set(AlertKind) else None,
            acknowledged={"yes": True, "no": False}.get(self.acknowledged),
            channel=self.channel or None,
        )


@dataclass
class Queues:
    """What the signed-in person may read, each list None when their role may not."""

    alerts: list[alert_views.AlertView] | None = None
    decisions: list[return_views.ReturnView] | None = None
    parcels: list[return_views.ReturnView] | None = None
    backorders: list[inventory_views.BackorderRow] | None = None
    low_stock: list[inventory_views.ReplenishmentRow] | None = None
    counts: dict[str, str] = field(default_factory=dict)


def _read(db: Database, principal: Principal, filters: Filters) -> Queues:
    def allowed(path: str) -> bool:
        return may(principal, "GET", path)

    q = Queues()
    with db.reader() as s:
        if allowed("/support/alerts"):
            q.alerts = alert_views.alerts(s, LIMIT, filters.only())
        if allowed("/returns"):
            q.decisions = return_views.open_returns(s, LIMIT, ReturnStatus.REQUESTED)
            q.parcels = return_views.open_returns(s, LIMIT, ReturnStatus.APPROVED)
        if allowed("/inventory/backorders"):
            q.backorders = inventory_views.waiting_backorders(s, LIMIT)
        if allowed("/inventory/replenishment"):
            q.low_stock = inventory_views.replenishment(s)
    for name in ("alerts", "decisions", "parcels", "backorders", "low_stock"):
        rows: list[Any] | None = getattr(q, name)
        if rows is not None:
            q.counts[name] = f"{LIMIT}+" if len(rows) >= LIMIT else str(len(rows))
    return q


async def _page(
    request: Request,
    staff: StaffSession,
    svc: Svc,
    filters: Filters,
    refused: tuple[int, OrdinoError] | None = None,
) -> HTMLResponse:
    q = await run_in_threadpool(_read, svc.db, staff.principal, filters)
    refused_id, error = refused if refused else (None, None)
    listed = refused_id is not None and any(a.id == refused_id for a in q.alerts or [])
    return render(
        request, staff, "queues/page.html", status_code=HTTP_STATUS[error.code] if error else 200,
        q=q, filters=filters, kinds=list(AlertKind), refused_id=refused_id, error=error, at_row=listed,
        may_acknowledge=may(staff.principal, *ACKNOWLEDGE), may_resolve=may(staff.principal, *RESOLVE),
    )  # fmt: skip


@router.get("/queues", response_class=HTMLResponse)
async def queues_page(
    request: Request, staff: Staff, svc: Svc, kind: Text = "", acknowledged: Text = "", channel: Text = ""
) -> HTMLResponse:
    return await _page(request, staff, svc, Filters(kind, acknowledged, channel))


async def _act(
    request: Request,
    staff: StaffSession,
    svc: Svc,
    alert_id: int,
    filters: Filters,
    action: Callable[[], Any],
) -> Response:
    """Run an alert action; back to the queues (as filtered) if it went through, else the
    page again with the refusal where the alert is."""
    try:
        await run_in_threadpool(action)
    except OrdinoError as err:
        return await _page(request, staff, svc, filters, refused=(alert_id, err))
    return RedirectResponse(f"{PREFIX}/queues{filters.query()}#alert-{alert_id}", status_code=303)


def _check(staff: StaffSession, method: str, path: str) -> None:
    if not may(staff.principal, method, path):
        raise ConsoleRefusal(f"A {staff.principal.role.value} key may not handle support alerts.")


@router.post("/queues/alerts/{alert_id}/acknowledge", response_model=None)
async def acknowledge(
    request: Request, alert_id: AlertId, staff: StaffPost, svc: Svc,
    kind: FormText = "", acknowledged: FormText = "", channel: FormText = "",
) -> Response:  # fmt: skip
    _check(staff, *ACKNOWLEDGE)
    actor = staff.principal.actor
    return await _act(request, staff, svc, alert_id, Filters(kind, acknowledged, channel),
                      lambda: alerts.acknowledge(svc.db, alert_id, actor))  # fmt: skip


@router.post("/queues/alerts/{alert_id}/resolve", response_model=None)
async def resolve(
    request: Request, alert_id: AlertId, staff: StaffPost, svc: Svc,
    reason: Annotated[str, Form(max_length=400)] = "",
    kind: FormText = "", acknowledged: FormText = "", channel: FormText = "",
) -> Response:  # fmt: skip
    _check(staff, *RESOLVE)
    filters, actor = Filters(kind, acknowledged, channel), staff.principal.actor

    def resolve_it() -> None:
        body = validated(AlertResolution, {"reason": reason})
        alerts.resolve(svc.db, alert_id, actor, body.reason)

    return await _act(request, staff, svc, alert_id, filters, resolve_it)
