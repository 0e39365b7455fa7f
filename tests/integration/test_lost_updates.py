"""An update its workflow never answered (lost in a crash, or no worker to run it) is a
retryable 503, not `409 order_closed`: only a workflow that is really closed is closed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from contracts.ids import order_workflow_id
from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.orders import OrderStart
from runtime.temporal_client import connect
from starter.http.app import create_app
from starter.http.dependencies import Services
from starter.operations.updates import updated
from tests.support.bodies import order_body
from tests.support.keys import api_client
from worker import build_worker
from workflows.order import OrderWorkflow

CLOSED = OrdinoError(ErrorCode.ORDER_CLOSED, "closed")


async def test_an_update_the_server_does_not_know_is_lost_on_a_running_workflow_closed_on_a_closed_one(
    dev_env,
):
    order_id = f"webshop-LOST-{uuid.uuid4().hex[:8]}"
    handle = await dev_env.client.start_workflow(
        OrderWorkflow.run,
        OrderStart(order_id=order_id, channel="webshop", external_id=order_id, customer_search_id="c",
                   acceptance_timeout=timedelta(minutes=5), return_window=timedelta(0)),
        id=order_workflow_id(order_id),
        task_queue=f"nobody-polls-{uuid.uuid4().hex[:6]}",
    )  # fmt: skip

    # What a client polling an update the server forgot (its workflow task thrown away by
    # a crash) hears: NOT_FOUND, the same as for a closed workflow.
    def poll_unknown_update():
        return handle.get_update_handle("never-sent").result()

    with pytest.raises(OrdinoError) as lost:
        await updated(handle, poll_unknown_update, CLOSED)
    assert lost.value.code is ErrorCode.UPDATE_LOST
    assert HTTP_STATUS[lost.value.code] == 503
    assert lost.value.details == {"workflow_id": handle.id}

    await handle.terminate("the test is done with it")
    assert (await handle.describe()).status is WorkflowExecutionStatus.TERMINATED
    with pytest.raises(OrdinoError) as closed:
        await updated(handle, poll_unknown_update, CLOSED)
    assert closed.value is CLOSED


async def test_an_update_no_worker_answers_is_a_503_and_the_same_request_again_goes_through(
    dev_env, db, settings, catalog
):
    settings = settings.model_copy(
        update={
            "task_queue": f"orders-{uuid.uuid4().hex[:6]}",
            "temporal_address": dev_env.client.service_client.config.target_host,
            "update_timeout": timedelta(seconds=1),
        }
    )
    client = await connect(settings)  # as the API's: updates bounded by the update timeout
    app = create_app(settings, Services(settings, client, db))
    async with api_client(app, db) as api:
        async with build_worker(client, db, settings):
            placed = await api.post("/orders", json=order_body([(catalog({"MIL": 2}), 1)]))
            assert placed.status_code == 201, placed.text
        order_id = placed.json()["order_id"]

        # No worker polls the order's task queue now: the cancellation is not answered.
        cancellation = {"reference": "C-1", "reason": "changed their mind"}
        url = f"/orders/{order_id}/cancellations"
        unanswered = await api.post(url, json=cancellation)
        assert unanswered.status_code == 503
        answer = unanswered.json()
        assert answer == {
            "code": "update_timeout",
            "message": answer["message"],
            "request_id": answer["request_id"],
            "details": {"workflow_id": order_workflow_id(order_id)},
        }

        async with build_worker(client, db, settings):
            async with asyncio.timeout(60):  # until the server hands the order to this worker
                while (answered := await api.post(url, json=cancellation)).status_code == 503:
                    assert answered.json()["code"] == "update_timeout"
            assert answered.status_code == 201, answered.text
            assert answered.json()["status"] == "cancelled"
            await client.get_workflow_handle(order_workflow_id(order_id)).result()

        # Really closed now: that is still 409 order_closed.
        closed = await api.post(url, json={"reference": "C-2", "reason": "again"})
        assert (closed.status_code, closed.json()["code"]) == (409, "order_closed")
        timeline = (await api.get(f"/orders/{order_id}")).json()["timeline"]
        assert [e["type"] for e in timeline].count("order_cancelled") == 1
