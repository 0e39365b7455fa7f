"""How the sandbox carrier and warehouse call Ordino's HTTP API. An API that cannot be
reached, or that answers it cannot reach its own database or Temporal, is an outage: raised,
so the polling loop backs off and logs it once. Any other refusal is about that one call:
logged, and the call is tried again next tick."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
import structlog

from db.engine import Database
from domain.errors import DEPENDENCY_DOWN
from providers.backoff import ORDINO_API, OutageLog, Unavailable, every
from settings import Settings

log = structlog.get_logger()


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


async def post(http: httpx.AsyncClient, url: str, what: str, **request: Any) -> bool:
    """POST to the API; whether it took the call."""
    try:
        response = await http.post(url, **request)
    except httpx.TransportError as err:
        raise Unavailable(ORDINO_API, str(err) or type(err).__name__) from err
    if response.status_code == 503 and _code(response) in DEPENDENCY_DOWN:
        raise Unavailable(ORDINO_API, f"it answers {_code(response)}")
    if response.status_code >= 300:
        log.warning(f"{what} refused", status=response.status_code, body=response.text[:200])
    return response.status_code < 300


class Ticking(Protocol):
    async def tick(self, now: datetime) -> int: ...


async def keep_ticking(simulator: Ticking, db: Database, settings: Settings) -> None:
    """Run a sandbox's loop until stopped: a tick every poll interval, backing off through
    an outage; the database is let go at the end."""
    try:
        await every(
            settings.carrier_poll_interval.total_seconds(),
            lambda: simulator.tick(datetime.now(UTC)),
            settings.retry_backoff(),
            OutageLog(),
        )
    finally:
        db.dispose()
