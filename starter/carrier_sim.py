"""The sandbox carrier's delivery van: posts tracking events to Ordino's webhook on a clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import structlog

from db.engine import Database
from domain.tracking import TrackingEvent
from providers import webhook_signature
from providers.sandbox_carrier import CarrierSimulator
from settings import Settings

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
            try:
                r = await http.post(settings.carrier_webhook_url, content=body, headers=headers)
            except httpx.HTTPError as err:
                log.warning("webhook unreachable", error=str(err))
                return False
            if r.status_code >= 300:
                log.warning("webhook refused event", status=r.status_code, body=r.text[:200])
            return r.status_code < 300

        simulator = CarrierSimulator(db, settings.carrier_step_delay, post, settings.carrier_journey)
        log.info(
            "sandbox carrier running",
            webhook=settings.carrier_webhook_url,
            step_delay=str(settings.carrier_step_delay),
        )
        try:
            while True:
                await simulator.tick(datetime.now(UTC))
                await asyncio.sleep(settings.carrier_poll_interval.total_seconds())
        finally:
            db.dispose()
