"""The sandbox warehouse's packing bench: confirms every picked order after a delay, over
HTTP, and keeps going through outages of the database or the API."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import structlog

from db.engine import Database
from providers.backoff import OutageLog, every
from providers.sandbox_warehouse import WarehouseSimulator
from settings import Settings
from starter import api_calls

log = structlog.get_logger()


async def run_warehouse(settings: Settings, database_url: str) -> None:
    db = Database(database_url, pool_size=2)
    async with httpx.AsyncClient(timeout=30, base_url=settings.api_base_url) as http:

        async def confirm(order_id: str, warehouse: str) -> bool:
            url = f"/orders/{order_id}/fulfillments/{warehouse}/packed"
            with structlog.contextvars.bound_contextvars(order_id=order_id):  # on a refusal's line
                return await api_calls.post(http, url, "packing")

        simulator = WarehouseSimulator(db, settings.pack_delay, confirm)
        log.info("sandbox warehouse running", pack_delay=str(settings.pack_delay))
        try:
            await every(
                settings.carrier_poll_interval.total_seconds(),
                lambda: simulator.tick(datetime.now(UTC)),
                settings.retry_backoff(),
                OutageLog(),
            )
        finally:
            db.dispose()
