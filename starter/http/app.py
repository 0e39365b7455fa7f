"""The HTTP API: channels place orders, carriers post tracking events, people read orders.
This builds the app: its services, the middleware around every request, the error shape,
the OpenAPI contract and the routers (routes/, one per resource)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from providers.backoff import OutageLog
from settings import Settings
from starter import console
from starter.http.access import GuardedRoute
from starter.http.access_log import AccessLog
from starter.http.cors import CrossOriginFor
from starter.http.dependencies import Services
from starter.http.errors import install_error_handlers
from starter.http.limits import MAX_BODY_BYTES
from starter.http.metrics import ApiMetrics
from starter.http.openapi import install_contract
from starter.http.outage_guard import OutageGuard
from starter.http.request_guard import RequestGuard
from starter.http.routes import ROUTERS, codec


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
    app.router.route_class = GuardedRoute
    app.state.outages = OutageLog()  # the guard and /ready tell of outages in one voice
    app.add_middleware(OutageGuard, outages=app.state.outages)
    app.add_middleware(RequestGuard, max_body_bytes=MAX_BODY_BYTES, deadline=settings.http_request_timeout)
    app.add_middleware(CrossOriginFor, prefix=codec.PREFIX, origins=settings.ui_origins)
    app.state.metrics = metrics = ApiMetrics()
    app.add_middleware(AccessLog, metrics=metrics)  # outermost: sees every answer as sent
    install_error_handlers(app)
    install_contract(app)
    for router in ROUTERS:
        app.include_router(router)
    console.install(app)  # the support console's pages, at /console
    return app
