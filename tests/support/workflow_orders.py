"""Driving orders on the time-skipping test server: start one (its payment token kept, as
the API keeps it), accept it, pack it, wait for its parcels, send carrier events, deliver
everything, read the stock. `env` is (WorkflowEnvironment, task queue, Database)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from temporalio.client import WorkflowHandle

from contracts.ids import order_workflow_id
from db import payment_tokens
from db.models import StockLevel
from domain.orders import (
    AcceptedOrder,
    BackorderPolicy,
    OrderStart,
    PackConfirmation,
    PlaceOrder,
)
from domain.status import OrderStatus
from domain.tracking import TrackingEvent, TrackingStatus
from settings import Settings
from starter.operations.intake import initial_search_attributes
from tests.support.bodies import order_body
from tests.support.codec import SECRETS
from workflows.order import OrderWorkflow


async def start_order(
    env,
    request: PlaceOrder,
    return_window=timedelta(days=30),
    backorder_policy=BackorderPolicy.CANCEL,
    start_overrides: dict | None = None,
) -> WorkflowHandle:
    client, task_queue, db = env[0].client, env[1], env[2]
    keep_payment_token(db, request)
    start = OrderStart(
        order_id=request.order_id,
        channel=request.channel,
        external_id=request.external_id,
        customer_search_id=Settings(**SECRETS).customer_search_id(request.customer.id),
        acceptance_timeout=timedelta(minutes=5),
        return_window=return_window,
        backorder_policy=backorder_policy,
        **(start_overrides or {}),
    )
    return await client.start_workflow(
        OrderWorkflow.run,
        start,
        id=order_workflow_id(request.order_id),
        task_queue=task_queue,
        search_attributes=initial_search_attributes(start),
    )


def keep_payment_token(db, request: PlaceOrder) -> None:
    """What the API does before it starts an order's workflow."""
    with db.transaction() as s:
        payment_tokens.keep(s, request.order_id, request.payment_token, datetime.now(UTC))


async def accept(handle: WorkflowHandle, request: PlaceOrder, id: str = "accept") -> AcceptedOrder:
    """The accept update as the API sends it: the order without its payment token."""
    return await handle.execute_update(OrderWorkflow.accept, request.without_payment_token(), id=id)


BEFORE_SHIPPING = {
    OrderStatus.ACCEPTED,
    OrderStatus.AUTHORIZED,
    OrderStatus.CAPTURED,
    OrderStatus.INVOICED,
    OrderStatus.ON_HOLD,
}


async def pack(handle: WorkflowHandle, warehouse: str):
    return await handle.execute_update(
        OrderWorkflow.confirm_packed, PackConfirmation(warehouse=warehouse), id=f"packed-{warehouse}"
    )


async def pack_parcels(handle: WorkflowHandle) -> list[str]:
    """Wait until the warehouses are picking the order, then confirm every parcel packed."""
    for _ in range(200):
        packing = (await handle.query(OrderWorkflow.progress)).packing
        if packing:
            for warehouse in packing:
                await pack(handle, warehouse)
            return packing
        await asyncio.sleep(0.05)
    raise AssertionError("nothing is being packed")


async def wait_for_parcels(
    handle: WorkflowHandle, pack_parcels: bool = True, until_shipped: bool = True
) -> list[str]:
    """The warehouses pack the order (unless told not to), then every parcel is booked (or,
    with until_shipped=False, only the packing). No timer stands in between; poll."""
    for _ in range(400):
        progress = await handle.query(OrderWorkflow.progress)
        if pack_parcels and progress.packing:
            for warehouse in progress.packing:
                await pack(handle, warehouse)
            if not until_shipped:
                return []
        elif progress.parcels and progress.status not in BEFORE_SHIPPING:
            return sorted(progress.parcels)
        await asyncio.sleep(0.05)
    raise AssertionError("no parcel was booked")


async def deliver_all(*handles: WorkflowHandle) -> OrderStatus:
    """Pack and deliver every parcel of these orders and let them run to their end. Awaiting a
    result lets the server skip time: an order still waiting for its warehouse then would
    skip to its execution timeout, so every order is shipped and delivered first."""
    for handle in handles:
        for tn in await wait_for_parcels(handle):
            await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    outcomes = {(await handle.result()).status for handle in handles}
    assert len(outcomes) == 1, outcomes
    return outcomes.pop()


def tracking(tn: str, n: int, status: TrackingStatus) -> TrackingEvent:
    return TrackingEvent(
        event_id=f"{tn}-{n}",
        tracking_number=tn,
        status=status,
        occurred_at=datetime(2026, 11, 27, 8 + n, tzinfo=UTC),
    )


def stock_of(db, sku: str) -> dict[str, tuple[int, int]]:
    with db.reader() as s:
        rows = s.execute(
            select(StockLevel.warehouse, StockLevel.on_hand, StockLevel.reserved).where(StockLevel.sku == sku)
        ).all()
    return {wh: (on_hand, reserved) for wh, on_hand, reserved in rows}


async def packing(
    env, lines: list[tuple[str, int]], window: timedelta = timedelta(0)
) -> tuple[WorkflowHandle, AcceptedOrder]:
    """An order whose payment is authorized and whose warehouses are picking it."""
    request = PlaceOrder.model_validate(order_body(lines))
    handle = await start_order(env, request, return_window=window)
    accepted = await accept(handle, request)
    for _ in range(200):
        if (await handle.query(OrderWorkflow.progress)).packing:
            return handle, accepted
        await asyncio.sleep(0.02)
    raise AssertionError("the order is not being packed")
