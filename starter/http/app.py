"""The HTTP API: channels place orders, carriers post tracking events, people read orders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import structlog
from fastapi import FastAPI, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from db import order_views
from domain.errors import PRICING_CODES, ErrorCode, OrdinoError
from domain.orders import AcceptedOrder, PlaceOrder
from domain.status import OrderStatus
from providers.backoff import OutageLog
from settings import Settings
from starter.http.access_log import AccessLog
from starter.http.dependencies import Services, Svc
from starter.http.errors import install_error_handlers
from starter.http.json_bodies import JsonBodyRoute
from starter.http.limits import MAX_BODY_BYTES
from starter.http.metrics import ApiMetrics
from starter.http.metrics import router as metrics_router
from starter.http.openapi import install_contract, refusals
from starter.http.outage_guard import OutageGuard
from starter.http.params import Key, Offset, OrderId
from starter.http.request_guard import RequestGuard
from starter.http.routes.changes import router as changes_router
from starter.http.routes.feedback import router as feedback_router
from starter.http.routes.health import router as health_router
from starter.http.routes.inventory import router as inventory_router
from starter.http.routes.invoices import router as invoices_router
from starter.http.routes.pricing import router as pricing_router
from starter.http.routes.refunds import router as refunds_router
from starter.http.routes.returns import router as returns_router
from starter.http.routes.shipping import router as shipping_router
from starter.http.routes.webhooks import router as webhooks_router
from starter.operations import intake

log = structlog.get_logger()


def create_app(settings: Settings, svc: Services | None = None, database_url: str | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if svc is not None:  # handed in (tests): nothing to open or close
            yield
            return
        url = database_url or settings.database_url
        assert url, "a database URL is required"
        app.state.services = opened = await Services.open(settings, url)
        try:
            yield
        finally:
            opened.db.dispose()

    app = FastAPI(
        title="Ordino",
        summary="Order management where every order is a durable Temporal workflow",
        version="0.1.0",
        lifespan=lifespan,
    )
    if svc is not None:
        app.state.services = svc
    app.router.route_class = JsonBodyRoute
    app.state.outages = OutageLog()  # the guard and /ready tell of outages in one voice
    app.add_middleware(OutageGuard, outages=app.state.outages)
    app.add_middleware(RequestGuard, max_body_bytes=MAX_BODY_BYTES, deadline=settings.http_request_timeout)
    app.state.metrics = metrics = ApiMetrics()
    app.add_middleware(AccessLog, metrics=metrics)  # outermost: sees every answer as sent
    install_error_handlers(app)
    install_contract(app)

    app.include_router(inventory_router)
    app.include_router(invoices_router)
    app.include_router(refunds_router)
    app.include_router(pricing_router)
    app.include_router(returns_router)
    app.include_router(changes_router)
    app.include_router(webhooks_router)
    app.include_router(shipping_router)
    app.include_router(feedback_router)
    app.include_router(health_router)
    app.include_router(metrics_router)

    @app.post(
        "/orders",
        status_code=201,
        response_model=AcceptedOrder,
        tags=["orders"],
        responses={200: {"model": AcceptedOrder, "description": "Placed before with the same content"}},
        openapi_extra=refusals(
            *PRICING_CODES, ErrorCode.INSUFFICIENT_STOCK, ErrorCode.IDEMPOTENCY_CONFLICT, ErrorCode.ORDER_BUSY
        ),
    )
    async def place_order(body: PlaceOrder, svc: Svc, request: Request, response: Response) -> AcceptedOrder:
        """Place an order: priced, taxed and its stock reserved (201). The same (channel,
        external_id) always answers with the same order (200); with other content it is
        `409 idempotency_conflict`."""
        request.state.order_id = body.order_id  # for the access log line
        log.info("order received", order_id=body.order_id, lines=len(body.lines))
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

    @app.get("/orders", response_model=order_views.OrderPage, tags=["orders"])
    async def list_orders(
        svc: Svc,
        status: OrderStatus | None = None,
        channel: Key | None = None,
        customer: Key | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Offset = 0,
    ) -> order_views.OrderPage:
        def read() -> order_views.OrderPage:
            with svc.db.reader() as s:
                return order_views.list_orders(
                    s, status.value if status else None, channel, customer, limit, offset
                )

        return await run_in_threadpool(read)

    @app.get(
        "/orders/{order_id}",
        response_model=order_views.OrderDetail,
        tags=["orders"],
        openapi_extra=refusals(ErrorCode.ORDER_NOT_FOUND),
    )
    async def get_order(order_id: OrderId, svc: Svc) -> order_views.OrderDetail:
        def read() -> order_views.OrderDetail | None:
            with svc.db.reader() as s:
                return order_views.order_detail(s, order_id)

        detail = await run_in_threadpool(read)
        if detail is None:
            raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")
        return detail

    return app
