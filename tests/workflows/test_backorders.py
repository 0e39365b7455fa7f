"""Backorders on the time-skipping server: an order short of stock waits durably, is woken
by a goods receipt (first come, first served), and gives up or alerts support at its limit."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import select

from db.models import Backorder, OrderEvent
from domain.orders import BackorderPolicy, PlaceOrder
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from starter.operations.inventory import Receipt, book_receipt, wake
from tests.support.bodies import order_body
from tests.support.histories import record_history
from tests.support.workflow_orders import (
    accept,
    deliver_all,
    start_order,
    stock_of,
    tracking,
    wait_for_parcels,
)
from workflows.order import OrderWorkflow


def phone_order(lines):
    return PlaceOrder.model_validate(order_body(lines, channel="phone"))


def events(db, order_id: str) -> list[str]:
    with db.reader() as s:
        return list(
            s.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id))
        )


async def receive(env, db, sku: str, quantity: int, warehouse: str = "MIL") -> list[str]:
    receipt = Receipt(
        warehouse=warehouse,
        reference=f"DN-{uuid.uuid4().hex[:8]}",
        lines=[{"sku": sku, "quantity": quantity}],
    )
    booked = await asyncio.to_thread(book_receipt, db, receipt)
    await wake(env[0].client, booked.woken_orders)
    return booked.woken_orders


async def wait_for(handle, status: OrderStatus) -> None:
    for _ in range(200):
        if (await handle.query(OrderWorkflow.progress)).status is status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"order never reached {status}")


async def test_backordered_order_resumes_when_stock_arrives(env, db, catalog):
    sku = catalog({"MIL": 2})
    request = phone_order([(sku, 5)])
    handle = await start_order(env, request, return_window=timedelta(0))
    accepted = await accept(handle, request, id="accept")
    assert accepted.status is OrderStatus.BACKORDERED
    assert accepted.backordered == {sku: 3}
    assert stock_of(db, sku) == {"MIL": (2, 2)}  # what exists is held for this order

    assert await receive(env, db, sku, 3) == [request.order_id]
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    assert [e for e in events(db, request.order_id) if e.startswith(("order_", "backorder_", "payment_"))][
        :4
    ] == ["order_backordered", "backorder_filled", "payment_authorized", "payment_captured"]
    assert stock_of(db, sku) == {"MIL": (0, 0)}
    await record_history(handle, "order_backorder_filled")


async def test_receipts_serve_waiting_orders_first_come_first_served(env, db, catalog):
    sku = catalog({})
    first, second = phone_order([(sku, 3)]), phone_order([(sku, 1)])
    handles = []
    for request in (first, second):
        handles.append(await start_order(env, request))
        await accept(handles[-1], request, id="accept")

    # Two units: not enough for the first order, and the second may not jump the queue.
    assert await receive(env, db, sku, 2) == []
    assert await receive(env, db, sku, 1) == [first.order_id]
    assert await receive(env, db, sku, 1) == [second.order_id]
    with db.reader() as s:
        states = dict(
            s.execute(select(Backorder.order_id, Backorder.state).where(Backorder.sku == sku)).all()
        )
    assert states == {first.order_id: "filled", second.order_id: "filled"}
    assert await deliver_all(*handles) is OrderStatus.COMPLETED  # both go on, to the end


async def test_backorder_past_its_limit_is_cancelled_and_stock_released(env, db, catalog):
    sku = catalog({"MIL": 1})
    request = phone_order([(sku, 4)])
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    assert stock_of(db, sku) == {"MIL": (1, 1)}

    outcome = await handle.result()  # the server skips the 14 days
    assert outcome.status is OrderStatus.CANCELLED
    assert outcome.reason == "backorder wait limit reached"
    assert stock_of(db, sku) == {"MIL": (1, 0)}
    with db.reader() as s:
        assert s.scalar(select(Backorder.state).where(Backorder.order_id == request.order_id)) == "cancelled"
    # A receipt afterwards goes to stock, not to the cancelled order.
    assert await receive(env, db, sku, 5) == []


async def test_alert_policy_tells_support_and_keeps_waiting(env, db, catalog):
    sku = catalog({})
    request = phone_order([(sku, 1)])
    handle = await start_order(env, request, backorder_policy=BackorderPolicy.ALERT)
    await accept(handle, request, id="accept")
    await env[0].sleep(timedelta(days=15))
    assert "backorder_overdue" in events(db, request.order_id)
    assert "support_alerted" in events(db, request.order_id)  # in GET /support/alerts
    assert (await handle.query(OrderWorkflow.progress)).status is OrderStatus.BACKORDERED

    await receive(env, db, sku, 1)
    assert await deliver_all(handle) is OrderStatus.COMPLETED


async def test_a_lost_wake_up_is_caught_by_the_hourly_recheck(env, db, catalog):
    sku = catalog({})
    request = phone_order([(sku, 2)])
    handle = await start_order(env, request)
    await accept(handle, request, id="accept")
    receipt = Receipt(
        warehouse="BER", reference=f"DN-{uuid.uuid4().hex[:8]}", lines=[{"sku": sku, "quantity": 2}]
    )
    assert await asyncio.to_thread(book_receipt, db, receipt)  # booked, but nobody signals
    await env[0].sleep(timedelta(hours=1, minutes=1))
    assert await deliver_all(handle) is OrderStatus.COMPLETED
