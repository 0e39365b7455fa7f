"""The HTTP API: channels place orders, carriers post tracking events, people read orders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import structlog
from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from db import order_views
from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.orders import AcceptedOrder, PlaceOrder
from domain.status import OrderStatus
from providers.backoff import OutageLog
from settings import Settings
from starter import intake
from starter.changes_api import router as changes_router
from starter.feedback_api import router as feedback_router
from starter.inventory_api import router as inventory_router
from starter.invoices_api import router as invoices_router
from starter.outages_api import OutageGuard
from starter.outages_api import router as outages_router
from starter.pricing_api import router as pricing_router
from starter.refunds_api import router as refunds_router
from starter.returns_api import router as returns_router
from starter.services import Services, Svc
from starter.shipping_api import router as shipping_router
from starter.webhooks_api import router as webhooks_router

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
    app.add_middleware(OutageGuard, outages=OutageLog())

    @app.exception_handler(OrdinoError)
    async def _business_error(_: Request, err: OrdinoError) -> JSONResponse:
        return JSONResponse(err.body(), status_code=HTTP_STATUS[err.code])

    @app.exception_handler(RequestValidationError)
    async def _invalid_body(_: Request, err: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in err.errors()
        ]
        return JSONResponse(
            {"code": ErrorCode.INVALID_BODY.value, "message": "The request is not valid", "errors": errors},
            status_code=422,
        )

    app.include_router(inventory_router)
    app.include_router(invoices_router)
    app.include_router(refunds_router)
    app.include_router(pricing_router)
    app.include_router(returns_router)
    app.include_router(changes_router)
    app.include_router(webhooks_router)
    app.include_router(shipping_router)
    app.include_router(feedback_router)
    app.include_router(outages_router)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/orders", status_code=201, response_model=AcceptedOrder)
    async def place_order(body: PlaceOrder, svc: Svc, response: Response) -> AcceptedOrder:
        """Place an order. The same (channel, external_id) always answers with the same order."""
        log.info("order received", order_id=body.order_id, lines=len(body.lines))
        accepted, created = await intake.place_order(svc.client, svc.db, svc.settings, body)
        if not created:
            response.status_code = 200
        return accepted

    @app.get("/orders", response_model=order_views.OrderPage)
    async def list_orders(
        svc: Svc,
        status: OrderStatus | None = None,
        channel: str | None = None,
        customer: str | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> order_views.OrderPage:
        def read() -> order_views.OrderPage:
            with svc.db.reader() as s:
                return order_views.list_orders(
                    s, status.value if status else None, channel, customer, limit, offset
                )

        return await run_in_threadpool(read)

    @app.get("/orders/{order_id}", response_model=order_views.OrderDetail)
    async def get_order(order_id: str, svc: Svc) -> order_views.OrderDetail:
        def read() -> order_views.OrderDetail | None:
            with svc.db.reader() as s:
                return order_views.order_detail(s, order_id)

        detail = await run_in_threadpool(read)
        if detail is None:
            raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")
        return detail

    return app
