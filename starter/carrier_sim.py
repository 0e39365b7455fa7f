"""The sandbox carrier's delivery van: posts tracking events to Ordino's webhook on a clock,
and keeps going through outages of the database or the API."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import structlog

from db.engine import Database
from domain.tracking import TrackingEvent
from providers import webhook_signature
from providers.backoff import OutageLog, every
from providers.sandbox_carrier import CarrierSimulator
from settings import Settings
from starter import api_calls

log = structlog.get_logger()


async def run_carrier(settings: Settings, database_url: str) -> None:
    db = Database(database_url, pool_size=2)
    async with httpx.AsyncClient(timeout=10) as http:

        async def post(event: TrackingEvent) -> bool:
            body = event.model_dump_json().encode()
            headers = {
                "content-type": "application/json",
                webhook_signature.HEADER: webhook_signature.sign(settings.webhook_secret, body),
            }
            return await api_calls.post(
                http, settings.carrier_webhook_url, "tracking event", content=body, headers=headers
            )

        simulator = CarrierSimulator(db, settings.carrier_step_delay, post, settings.carrier_journey)
        log.info(
            "sandbox carrier running",
            webhook=settings.carrier_webhook_url,
            step_delay=str(settings.carrier_step_delay),
        )
        try:
            await every(
                settings.carrier_poll_interval.total_seconds(),
                lambda: simulator.tick(datetime.now(UTC)),
                settings.retry_backoff(),
                OutageLog(),
            )
        finally:
            db.dispose()
