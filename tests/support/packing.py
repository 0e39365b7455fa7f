"""The sandbox warehouse as the live tests need it: it packs every order as soon as it is
picked, whichever worker runs it, by sending the order's workflow the packed update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from temporalio.client import Client

from contracts.ids import order_workflow_id
from db.engine import Database
from domain.orders import PackConfirmation
from providers.sandbox.warehouse import WarehouseSimulator
from workflows.order import OrderWorkflow


@asynccontextmanager
async def warehouse_packing(client: Client, db: Database) -> AsyncIterator[None]:
    """Orders of workers gone by (earlier modules) never answer: each is tried once."""
    tried: set[tuple[str, str]] = set()

    async def confirm(order_id: str, warehouse: str) -> bool:
        if (order_id, warehouse) in tried:
            return False
        tried.add((order_id, warehouse))
        handle = client.get_workflow_handle(order_workflow_id(order_id))
        update = handle.execute_update(
            OrderWorkflow.confirm_packed, PackConfirmation(warehouse=warehouse), id=f"packed-{warehouse}"
        )
        asyncio.create_task(asyncio.wait_for(update, timeout=30)).add_done_callback(lambda t: t.exception())
        return True

    simulator = WarehouseSimulator(db, timedelta(0), confirm)

    async def packing() -> None:
        while True:
            await simulator.tick(datetime.now(UTC))
            await asyncio.sleep(0.05)

    task = asyncio.create_task(packing())
    try:
        yield
    finally:
        task.cancel()
