"""More orders wait to be packed than the worker keeps in its workflow cache: the ones it
evicted are replayed from their histories when they are released, and every order still
runs to completed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio import workflow
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from contracts.ids import order_workflow_id
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import wait_for_event, wait_for_status
from tests.support.bodies import order_body
from tests.support.keys import api_client
from tests.support.webhooks import post_signed
from worker import build_worker
from workflows.order import OrderWorkflow

CACHED = 2
ORDERS = 6


@pytest.fixture(scope="module", autouse=True)
async def warehouse_packs():
    """Instead of the suite's warehouse, which packs every order at once: here an order
    waits to be packed until the test releases it."""
    yield


class Replays(Interceptor):
    """Which workflows a worker rebuilt from their history (their run began in replay)."""

    def __init__(self) -> None:
        self.replayed: set[str] = set()

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        replayed = self.replayed

        class Inbound(WorkflowInboundInterceptor):
            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                if workflow.unsafe.is_replaying():
                    replayed.add(workflow.info().workflow_id)
                return await super().execute_workflow(input)

        return Inbound


async def test_orders_evicted_from_the_cache_complete_once_released(dev_env, db, settings, catalog):
    settings = settings.model_copy(
        update={
            "task_queue": f"orders-{uuid.uuid4().hex[:6]}",
            "return_window": timedelta(0),
            "feedback_delay": timedelta(0),
            "max_cached_workflows": CACHED,
        }
    )
    sku = catalog({"MIL": ORDERS})
    replays = Replays()
    app = create_app(settings, Services(settings, dev_env.client, db))
    async with api_client(app, db) as api, build_worker(dev_env.client, db, settings, interceptors=[replays]):
        order_ids = []
        for _ in range(ORDERS):
            placed = await api.post("/orders", json=order_body([(sku, 1)]))
            assert placed.status_code == 201, placed.text
            order_ids.append(placed.json()["order_id"])
            await wait_for_event(api, order_ids[-1], "picking_started")

        for order_id in order_ids:  # the first parked were the first evicted
            packed = await api.post(f"/orders/{order_id}/fulfillments/MIL/packed")
            assert packed.status_code == 200, packed.text
            parcel = (await wait_for_status(api, order_id, "shipped"))["shipments"][0]["tracking_number"]
            delivered = {"event_id": f"{parcel}-d", "tracking_number": parcel, "status": "delivered",
                         "occurred_at": "2026-11-26T10:00:00Z"}  # fmt: skip
            assert (await post_signed(api, settings, "/webhooks/carrier", delivered)).status_code == 202
            handle = dev_env.client.get_workflow_handle_for(OrderWorkflow.run, order_workflow_id(order_id))
            assert (await handle.result()).status == "completed"

    evicted = {order_workflow_id(order_id) for order_id in order_ids[: ORDERS - CACHED]}
    assert evicted <= replays.replayed
