"""The worker dies while capturing, after the gateway took the money: the order finishes on
another worker with exactly one capture and one invoice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from contracts.ids import order_workflow_id
from db.models import Invoice, SandboxGatewayTransaction
from domain.orders import OrderStart, PlaceOrder
from domain.status import OrderStatus
from starter.operations.intake import initial_search_attributes
from tests.support.bodies import order_body
from worker import build_worker
from workflows.order import OrderWorkflow

ROOT = Path(__file__).resolve().parents[2]


def captures(db, order_id: str) -> int:
    with db.reader() as s:
        return s.scalar(
            select(func.count()).where(
                SandboxGatewayTransaction.idempotency_key.startswith(order_id + ":capture"),
                SandboxGatewayTransaction.operation == "capture",
            )
        )


async def test_worker_killed_after_the_gateway_captured(dev_env, db, settings, database_url, catalog):
    task_queue = f"orders-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "ORDINO_DATABASE_URL": database_url,
        "ORDINO_TASK_QUEUE": task_queue,
        "ORDINO_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "ORDINO_LOG_LEVEL": "WARNING",
        "ORDINO_SMTP_PORT": str(settings.smtp_port),
        "ORDINO_DEV_SECRETS_ALLOWED": "true",
    }
    doomed = subprocess.Popen([sys.executable, "-m", "starter.cli", "worker"], env=env, cwd=ROOT)
    try:
        request = PlaceOrder.model_validate(
            order_body([(catalog({"MIL": 1}), 1)], payment_token="tok_slow_capture")
        )
        handle = await dev_env.client.start_workflow(
            OrderWorkflow.run,
            OrderStart(
                order_id=request.order_id,
                channel="webshop",
                external_id=request.external_id,
                customer_id=request.customer.id,
                acceptance_timeout=timedelta(minutes=5),
                return_window=timedelta(0),
            ),
            id=order_workflow_id(request.order_id),
            task_queue=task_queue,
            search_attributes=initial_search_attributes(request),
        )
        await handle.execute_update(OrderWorkflow.accept, request, id="accept")
        for _ in range(300):  # the gateway has taken the money; the answer hangs
            if captures(db, request.order_id) == 1:
                break
            await asyncio.sleep(0.05)
        assert captures(db, request.order_id) == 1
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()

    async with build_worker(dev_env.client, db, settings, task_queue=task_queue):
        for _ in range(600):  # the server hands the order to this worker after a task timeout
            progress = await handle.query(OrderWorkflow.progress)
            if progress.parcels:
                break
            await asyncio.sleep(0.05)
        assert progress.status is OrderStatus.SHIPPED
    assert captures(db, request.order_id) == 1
    with db.reader() as s:
        assert s.scalar(select(func.count()).where(Invoice.order_id == request.order_id)) == 1
