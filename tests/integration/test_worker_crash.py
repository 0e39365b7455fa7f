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

from db.models import Invoice, SandboxGatewayTransaction
from domain.orders import PlaceOrder
from domain.status import OrderStatus
from tests.support.bodies import order_body
from tests.support.codec import SECRETS_ENV
from tests.support.workflow_orders import accept, start_order
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
        **SECRETS_ENV,
    }
    doomed = subprocess.Popen([sys.executable, "-m", "starter.cli", "worker"], env=env, cwd=ROOT)
    try:
        request = PlaceOrder.model_validate(
            order_body([(catalog({"MIL": 1}), 1)], payment_token="tok_slow_capture")
        )
        handle = await start_order((dev_env, task_queue, db), request, return_window=timedelta(0))
        await accept(handle, request, id="accept")
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
