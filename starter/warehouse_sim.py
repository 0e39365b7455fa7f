"""The sandbox warehouse's packing bench: confirms every picked order after a delay, over HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import structlog

from db.engine import Database
from providers.sandbox_warehouse import WarehouseSimulator
from settings import Settings

log = structlog.get_logger()


async def run_warehouse(settings: Settings, database_url: str) -> None:
    db = Database(database_url, pool_size=2)
    async with httpx.AsyncClient(timeout=30, base_url=settings.api_base_url) as http:

        async def confirm(order_id: str, warehouse: str) -> bool:
            try:
                r = await http.post(f"/orders/{order_id}/fulfillments/{warehouse}/packed")
            except httpx.HTTPError as err:
                log.warning("API unreachable", error=str(err))
                return False
            if r.status_code >= 300:
                log.warning("packing refused", status=r.status_code, body=r.text[:200])
            return r.status_code < 300

        simulator = WarehouseSimulator(db, settings.pack_delay, confirm)
        log.info("sandbox warehouse running", pack_delay=str(settings.pack_delay))
        try:
            while True:
                await simulator.tick(datetime.now(UTC))
                await asyncio.sleep(settings.carrier_poll_interval.total_seconds())
        finally:
            db.dispose()
