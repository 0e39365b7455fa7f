"""The orders: a list to search and filter, and a page per order with its whole story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from contracts.ids import order_workflow_id
from db import order_search, order_views, return_views
from db.shipping_views import TrackingView
from domain.status import OrderStatus
from starter.console import order_actions
from starter.console.confirmation import DONE
from starter.console.forms import fresh_reference
from starter.console.order_actions import OrderId
from starter.console.pages import render
from starter.console.sessions import PREFIX, Staff
from starter.http.dependencies import Svc
from starter.operations.sessions import read

router = APIRouter(prefix=PREFIX)
SORTS = {s.value for s in order_search.SortBy}
PAGE_SIZE = 25
Text = Annotated[str, Query(max_length=200)]


def _day(value: str) -> date | None:
    """A date field as a browser sends it (empty when not filled in)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _search(
    q: str,
    status: str,
    channel: str,
    placed_from: str,
    placed_to: str,
    flags: list[str],
    sort: str,
    page: int,
) -> order_search.OrderSearch:
    return order_search.OrderSearch(
        text=q.strip() or None,
        status=OrderStatus(status) if status in OrderStatus.__members__.values() else None,
        channel=channel or None,
        placed_from=_day(placed_from),
        placed_to=_day(placed_to),
        late="late" in flags,
        on_hold="on_hold" in flags,
        open_return="open_return" in flags,
        sort=order_search.SortBy(sort) if sort in SORTS else order_search.SortBy.NEWEST,
        limit=PAGE_SIZE,
        offset=(max(page, 1) - 1) * PAGE_SIZE,
    )


@router.get("/orders", response_class=HTMLResponse)
async def order_list(
    request: Request,
    staff: Staff,
    svc: Svc,
    q: Text = "",
    status: Text = "",
    channel: Text = "",
    placed_from: Text = "",
    placed_to: Text = "",
    flag: Annotated[list[str], Query(max_length=3)] = [],  # noqa: B006 (FastAPI copies it)
    sort: Text = "newest",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    search = _search(q, status, channel, placed_from, placed_to, flag, sort, page)
    found = await read(svc.db, order_search.search_orders, search)
    return render(
        request,
        staff,
        "orders/list.html",
        found=found,
        search=search,
        page=max(page, 1),
        pages=max(1, -(-found.total // PAGE_SIZE)),
        statuses=list(OrderStatus),
        sorts=list(order_search.SortBy),
        page_url=lambda n: str(request.url.include_query_params(page=n)),
        channels=await read(svc.db, order_search.channels),
    )


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_page(
    request: Request, order_id: OrderId, staff: Staff, svc: Svc, done: Text = ""
) -> HTMLResponse:
    order = await read(svc.db, order_views.order_detail, order_id) if order_id.isprintable() else None
    if order is None:
        return render(request, staff, "orders/missing.html", status_code=404, order_id=order_id)
    return render(
        request,
        staff,
        "orders/page.html",
        order=order,
        offers=order_actions.offered(staff, order),
        reference=fresh_reference(),
        done=DONE.get(done or ""),
        warehouses=await read(svc.db, order_search.warehouses),
        refund_limit=svc.settings.support_refund_limit,
        parcels=parcels_of(order),
        returns=await read(svc.db, return_views.returns_of, order_id),
        workflow_id=order_workflow_id(order.id),
    )


@dataclass(frozen=True)
class Parcel:
    shipment: order_views.ShipmentView
    events: list[TrackingView]


def parcels_of(order: order_views.OrderDetail) -> list[Parcel]:
    """Each parcel with its carrier's scans, from the order's timeline."""
    scans: dict[str, list[TrackingView]] = {}
    for e in order.timeline:
        number = e.data.get("tracking_number")
        if e.type.startswith("parcel_") and isinstance(number, str):
            status = e.type.removeprefix("parcel_")
            scans.setdefault(number, []).append(
                TrackingView(at=e.at, status=status, location=e.data.get("location"))
            )
    return [Parcel(s, scans.get(s.tracking_number, [])) for s in order.shipments]
