"""No business error ends an order's workflow as FAILED. Every non-retryable error an
activity can raise, thrown at a step of the lifecycle where nobody expects it, parks the
order with a support alert naming the step and why; once support retries, the order goes on
to its end and the alert is resolved. (Where a step expects an error, the order handles it:
an undeliverable address holds the order for support, a replacement without stock is
refunded; tests of their own.)"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from db import alerts
from db.models import OrderEvent
from domain.orders import PlaceOrder
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from tests.support.bodies import order_body
from tests.support.faults import Faults
from tests.support.workflow_orders import accept, deliver_all, pack, start_order, tracking
from worker import build_worker
from workflows.order import OrderWorkflow

ROOT = Path(__file__).resolve().parents[2]
# Every step of the lifecycle, in the order an order meets them.
LIFECYCLE_STEPS = [
    "authorize_payment",
    "open_fulfillments",
    "notify_customer",
    "plan_fulfillments",
    "capture_payment",
    "issue_invoice",
    "book_parcel",
    "record_tracking",
    "record_event",
]
DRIVE_SECONDS = 150  # how long one order may take to be driven to its end
# Where a step expects the error, the order handles it instead of parking (tests of their own).
HANDLED_BY_THE_STEP = {("book_parcel", "undeliverable_address")}


def step_for(n: int, code: str) -> str:
    """The nth code's step, round the lifecycle, passing over a step that expects the code."""
    first = n % len(LIFECYCLE_STEPS)
    steps = LIFECYCLE_STEPS[first:] + LIFECYCLE_STEPS[:first]
    return next(step for step in steps if (step, code) not in HANDLED_BY_THE_STEP)


def codes_activities_raise() -> list[str]:
    """Each error code raised as an OrdinoError by the code activities run."""
    found: set[str] = set()
    for folder in ("activities", "db", "domain", "providers"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(re.findall(r"OrdinoError\(\s*ErrorCode\.([A-Z_]+)", path.read_text()))
    return sorted(code.lower() for code in found)


def test_the_walk_covers_what_activities_raise():
    codes = codes_activities_raise()
    assert {"illegal_transition", "insufficient_stock", "no_capture", "order_not_found"} <= set(codes)


async def _drive(handle: WorkflowHandle, order_id: str, db) -> str | None:
    """Pack and deliver the order as warehouse and carrier would, and retry it as support
    would once it is parked; answers the step it was parked on."""
    parked_on: str | None = None
    # By the clock, not by rounds: some 30 orders are driven at once, and a busy machine
    # (CI) answers each query more slowly.
    deadline = asyncio.get_running_loop().time() + DRIVE_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        progress = await handle.query(OrderWorkflow.progress)
        if progress.parked:
            parked_on = progress.parked
            with db.reader() as s:
                alert = s.scalars(
                    select(OrderEvent).where(
                        OrderEvent.order_id == order_id, OrderEvent.type == "support_alerted"
                    )
                ).first()
            assert alert is not None and alert.data["kind"] == "step_parked", progress
            await handle.execute_update(OrderWorkflow.retry_parked, "support:ann")
        elif progress.packing:
            for warehouse in progress.packing:
                await pack(handle, warehouse)
        elif progress.status is OrderStatus.COMPLETED:
            return parked_on
        elif progress.parcels and all(s == "booked" for s in progress.parcels.values()):
            for tn in progress.parcels:
                await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
        await asyncio.sleep(0.05)
    raise AssertionError(f"order {order_id} never got delivered: {progress}")


async def test_every_business_error_parks_the_order_and_support_can_retry(
    time_skipping_env, db, settings, catalog
):
    faults = Faults()
    task_queue = "never-failed"
    env = (time_skipping_env, task_queue, db)
    codes = codes_activities_raise()
    orders: list[tuple[str, str, PlaceOrder]] = []
    for n, code in enumerate(codes):
        request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 1}), 1)]))
        step = step_for(n, code)
        error = ApplicationError(f"injected {code}", type=code, non_retryable=True)
        faults.fail(request.order_id, step, error)
        orders.append((code, step, request))
    async with build_worker(
        time_skipping_env.client, db, settings, task_queue=task_queue, interceptors=[faults]
    ):
        handles = []
        for _, _, request in orders:
            handle = await start_order(
                env, request, timedelta(0), start_overrides={"feedback_delay": timedelta(0)}
            )
            await accept(handle, request, id="accept")
            handles.append(handle)
        parked = await asyncio.gather(
            *(_drive(h, r.order_id, db) for h, (_, _, r) in zip(handles, orders, strict=True))
        )
        for (code, step, _), parked_on in zip(orders, parked, strict=True):
            assert parked_on == f"{step}: injected {code}", (code, step)
        outcomes = [await h.result() for h in handles]
    assert {o.status for o in outcomes} == {OrderStatus.COMPLETED}
    assert faults.failures == {}
    with db.reader() as s:
        still_open = s.scalars(
            select(OrderEvent.order_id).where(
                OrderEvent.order_id.in_([r.order_id for _, _, r in orders]),
                OrderEvent.type == alerts.RAISED,
                alerts.still_open(),
            )
        ).all()
    assert still_open == []  # each step went through on its retry


async def test_support_cannot_retry_an_order_that_is_not_parked(env, catalog):
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 1}), 1)]))
    handle = await start_order(env, request, timedelta(0))
    await accept(handle, request, id="accept")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(OrderWorkflow.retry_parked, "support:ann")
    assert refused.value.cause.type == "not_parked"
    # Run to its end: a workflow left open or terminated stalls the test server's clock.
    assert await deliver_all(handle) is OrderStatus.COMPLETED
