"""An order outlives the worker that started it: a new worker replays the history and
carries on where the old one stopped, without repeating any effect."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from contracts.ids import order_workflow_id
from db.models import Invoice, Payment, SandboxGatewayTransaction
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.keys import api_client
from tests.support.webhooks import post_signed
from worker import build_worker
from workflows.order import OrderWorkflow


async def test_order_completes_after_its_worker_is_replaced(dev_env, db, settings, catalog):
    settings = settings.model_copy(
        update={
            "task_queue": f"orders-{uuid.uuid4().hex[:6]}",
            "return_window": timedelta(0),
            "feedback_delay": timedelta(0),
        }
    )
    app = create_app(settings, Services(settings, dev_env.client, db))
    async with api_client(app, db) as api:
        async with build_worker(dev_env.client, db, settings):
            response = await api.post("/orders", json=order_body([(catalog({"MIL": 2}), 1)]))
            assert response.status_code == 201
            order_id = response.json()["order_id"]
            shipped = await wait_for_status(api, order_id, "shipped")
        # That worker is gone (a deploy, a crash). Nothing runs the order now, so the
        # carrier's event waits in Temporal until a new worker picks the order up.
        tn = shipped["shipments"][0]["tracking_number"]
        event = {
            "event_id": f"{tn}-1",
            "tracking_number": tn,
            "status": "delivered",
            "occurred_at": "2026-11-26T10:00:00Z",
        }
        assert (await post_signed(api, settings, "/webhooks/carrier", event)).status_code == 202

        async with build_worker(dev_env.client, db, settings):
            handle = dev_env.client.get_workflow_handle_for(OrderWorkflow.run, order_workflow_id(order_id))
            assert (await handle.result()).status == "completed"

    with db.reader() as s:
        gateway = s.scalar(
            select(func.count()).where(SandboxGatewayTransaction.idempotency_key.startswith(order_id + ":"))
        )
        payments = s.scalar(select(func.count()).where(Payment.order_id == order_id))
        invoices = s.scalar(select(func.count()).where(Invoice.order_id == order_id))
    assert (gateway, payments, invoices) == (2, 2, 1)  # one authorization, one capture, one invoice
