"""A sandbox warehouse: picks and packs every open fulfillment after a delay and confirms
it to Ordino over HTTP (POST /orders/{id}/fulfillments/{warehouse}/packed), as staff with a
scanner would; its packing bench keeps going through outages of the database or the API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import select

from db.engine import Database
from db.models import Fulfillment
from providers.sandbox import ordino_api
from settings import Settings

log = structlog.get_logger()
Confirm = Callable[[str, str], Awaitable[bool]]


class WarehouseSimulator:
    def __init__(self, db: Database, pack_delay: timedelta, confirm: Confirm) -> None:
        self._db = db
        self._pack_delay = pack_delay
        self._confirm = confirm

    async def tick(self, now: datetime, limit: int = 100) -> int:
        """Confirm every fulfillment picked long enough; a refused call is tried next tick.
        The confirmations go out together: an order slow to answer holds up no other."""
        with self._db.reader() as s:
            due = s.execute(
                select(Fulfillment.order_id, Fulfillment.warehouse)
                .where(Fulfillment.status == "picking", Fulfillment.opened_at <= now - self._pack_delay)
                .order_by(Fulfillment.opened_at)
                .limit(limit)
            ).all()
        confirmed = await asyncio.gather(*(self._confirm(order_id, warehouse) for order_id, warehouse in due))
        for (order_id, warehouse), packed in zip(due, confirmed, strict=True):
            if packed:
                log.info("parcel packed", order_id=order_id, warehouse=warehouse)
        return sum(confirmed)


async def run_warehouse(settings: Settings, database_url: str) -> None:
    db = Database(database_url, pool_size=2)
    async with httpx.AsyncClient(timeout=30, base_url=settings.api_base_url) as http:

        async def confirm(order_id: str, warehouse: str) -> bool:
            url = f"/orders/{order_id}/fulfillments/{warehouse}/packed"
            key = settings.sandbox_warehouse_keys.get(warehouse, "")
            with structlog.contextvars.bound_contextvars(order_id=order_id):  # on a refusal's line
                return await ordino_api.post(http, url, "packing", headers={"authorization": f"Bearer {key}"})

        simulator = WarehouseSimulator(db, settings.pack_delay, confirm)
        log.info("sandbox warehouse running", pack_delay=str(settings.pack_delay))
        await ordino_api.keep_ticking(simulator, db, settings)
