"""Orders over HTTP: channels place them, people list and read them."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Request, Response

from db import order_views
from domain.access import Role, reads_internal
from domain.errors import PRICING_CODES, ErrorCode, OrdinoError
from domain.orders import AcceptedOrder, PlaceOrder
from domain.status import OrderStatus
from starter.http.access import Caller, GuardedRoute
from starter.http.dependencies import Svc
from starter.http.metrics import api_metrics
from starter.http.openapi import refusals
from starter.http.params import Key, Offset, OrderId
from starter.operations import intake
from starter.operations.sessions import read, read_one

log = structlog.get_logger()
router = APIRouter(tags=["orders"], route_class=GuardedRoute)


@router.post(
    "/orders",
    status_code=201,
    response_model=AcceptedOrder,
    responses={200: {"model": AcceptedOrder, "description": "Placed before with the same content"}},
    openapi_extra=refusals(
        *PRICING_CODES,
        ErrorCode.INVALID_VAT_ID,
        ErrorCode.INSUFFICIENT_STOCK,
        ErrorCode.IDEMPOTENCY_CONFLICT,
        ErrorCode.ORDER_BUSY,
    ),
)
async def place_order(body: PlaceOrder, svc: Svc, request: Request, response: Response) -> AcceptedOrder:
    """Place an order: priced, taxed and its stock reserved (201). The same (channel,
    external_id) always answers with the same order (200); with other content it is
    `409 idempotency_conflict`."""
    request.state.order_id = body.order_id  # for the access log line
    log.info("order received", order_id=body.order_id, lines=len(body.lines))
    metrics = api_metrics(request)
    try:
        accepted, created = await intake.place_order(svc.client, svc.db, svc.settings, body)
    except OrdinoError as err:
        metrics.order_refused(err.code)
        raise
    if created:
        metrics.orders_accepted.inc()
    else:
        response.status_code = 200
    return accepted


@router.get("/orders", response_model=order_views.OrderPage)
async def list_orders(
    svc: Svc,
    caller: Caller,
    status: OrderStatus | None = None,
    channel: Key | None = None,
    customer: Key | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> order_views.OrderPage:
    if caller.role is Role.CHANNEL:  # a channel lists its own orders only
        if channel not in (None, caller.scope):
            raise OrdinoError(ErrorCode.FORBIDDEN, f"This key lists orders of {caller.scope} only")
        channel = caller.scope
    return await read(
        svc.db, order_views.list_orders, status.value if status else None, channel, customer, limit, offset
    )


@router.get(
    "/orders/{order_id}",
    response_model=order_views.OrderDetail,
    openapi_extra=refusals(ErrorCode.ORDER_NOT_FOUND),
)
async def get_order(order_id: OrderId, svc: Svc, caller: Caller) -> order_views.OrderDetail:
    """The order; its timeline holds staff's internal notes for support and finance only."""
    missing = OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")
    return await read_one(svc.db, missing, order_views.order_detail, order_id, reads_internal(caller.role))
