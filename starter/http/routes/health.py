"""Whether the API is alive (/health: the process answers) and ready (/ready: PostgreSQL
and Temporal answer too), for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

from domain.errors import ErrorCode, OrdinoError
from providers.backoff import DATABASE, TEMPORAL, OutageLog, outage_of
from starter.http.access import GuardedRoute
from starter.http.dependencies import Services, Svc
from starter.http.openapi import refusals
from starter.operations.sessions import read

log = structlog.get_logger()
router = APIRouter(tags=["operations"], route_class=GuardedRoute)
CHECK_TIMEOUT_SECONDS = 3


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/health", response_model=Health)
async def health() -> Health:
    return Health(status="ok")


def _select_one(s: Session) -> None:
    s.execute(text("SELECT 1"))


async def _postgres(svc: Services) -> None:
    await read(svc.db, _select_one)


async def _temporal(svc: Services) -> None:
    if not await svc.client.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS)):
        raise ConnectionError("the server says it is not serving")


@router.get("/ready", response_model=Readiness, openapi_extra=refusals(ErrorCode.NOT_READY))
async def ready(svc: Svc, request: Request) -> Readiness:
    """200 when PostgreSQL and Temporal both answer within a few seconds; 503 not_ready
    with what failed otherwise."""
    outages: OutageLog = request.app.state.outages
    checks: dict[str, str] = {}
    for name, dependency, check in (("postgresql", DATABASE, _postgres), ("temporal", TEMPORAL, _temporal)):
        try:
            await asyncio.wait_for(check(svc), CHECK_TIMEOUT_SECONDS)
            checks[name] = "ok"
            outages.answered(dependency)
        except Exception as err:  # any failure means not ready: say which
            if outage_of(err) is None:  # an outage is logged once by the outage log; anything else here
                log.warning("not ready", check=name, error=f"{type(err).__name__}: {err}")
            else:
                outages.failed(dependency, err, "GET /ready")
            checks[name] = "unreachable"
    if any(v != "ok" for v in checks.values()):
        raise OrdinoError(ErrorCode.NOT_READY, "Not ready", {"checks": checks})
    return Readiness(status="ready", checks=checks)
