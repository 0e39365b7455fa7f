"""What an operator sees. The worker, the API and the sandbox carrier run as processes of
their own, as `ordino dev` and production run them: an order travels to completed, another
is refused for want of stock, a forged webhook is turned away. Then both metrics endpoints
count what happened, the worker's probe says it is ready, and the logs tell it one line per
event, each naming its process and the order, none naming the customer."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from db.engine import Database
from domain.orders import PlaceOrder
from runtime.worker_health import WorkerReadiness, serve_health
from settings import Settings
from tests.support.bodies import order_body
from tests.support.keys import remote_client
from tests.support.metrics import parse, scrape, total
from tests.support.ordino_process import OrdinoProcess
from tests.support.ports import free_port
from worker import build_worker

# Who the customer is; none of it may reach a log line.
CUSTOMER = {"id": "cust-ops", "email": "grace.hopper@example.com", "name": "Grace Hopper"}
ADDRESS = {"name": "Grace Hopper", "line1": "Via Segreta 7", "postal_code": "20121", "city": "Milano",
           "country": "IT"}  # fmt: skip
PERSONAL = ("Grace", "Hopper", "grace.hopper", "Via Segreta")


@dataclass
class Ops:
    api: httpx.AsyncClient
    worker_metrics: str
    worker_health: str
    processes: dict[str, OrdinoProcess]

    def lines(self, name: str) -> list[dict]:
        """A process's JSON log lines."""
        found = []
        for line in self.processes[name].lines:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found


async def _answers(url: str, timeout: float = 60) -> httpx.Response:
    """The first 200 from url, trying while the process starts."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=5) as http:
        while True:
            try:
                response = await http.get(url)
                if response.status_code == 200:
                    return response
            except httpx.TransportError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{url} never answered 200")
            await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def ops(dev_env: WorkflowEnvironment, database_url: str, settings: Settings, db) -> AsyncIterator[Ops]:
    api_port = free_port()
    env = {
        **os.environ,
        "ORDINO_DATABASE_URL": database_url,
        "ORDINO_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "ORDINO_TASK_QUEUE": f"ops-{uuid.uuid4().hex[:6]}",
        "ORDINO_SMTP_PORT": str(settings.smtp_port),
        "ORDINO_API_PORT": str(api_port),
        "ORDINO_API_BASE_URL": f"http://127.0.0.1:{api_port}",
        "ORDINO_WORKER_METRICS": f"127.0.0.1:{free_port()}",
        "ORDINO_WORKER_HEALTH": f"127.0.0.1:{free_port()}",
        "ORDINO_CARRIER_STEP_DELAY": "PT0S",
        "ORDINO_CARRIER_POLL_INTERVAL": "PT0.1S",
        "ORDINO_RETURN_WINDOW": "PT0S",
        "ORDINO_FEEDBACK_DELAY": "PT0S",
    }
    processes = {name: OrdinoProcess(name, env) for name in ("worker", "api", "carrier")}
    for process in processes.values():
        await process.start()
    try:
        await _answers(f"http://127.0.0.1:{api_port}/health")
        async with remote_client(f"http://127.0.0.1:{api_port}", db) as api:
            yield Ops(api, env["ORDINO_WORKER_METRICS"], env["ORDINO_WORKER_HEALTH"], processes)
    finally:
        for process in processes.values():
            await process.stop()


async def _completed(api: httpx.AsyncClient, order_id: str) -> None:
    for _ in range(400):
        if (await api.get(f"/orders/{order_id}")).json().get("status") == "completed":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"order {order_id} did not complete")


async def test_an_operator_follows_orders_in_metrics_and_logs(ops: Ops, catalog):
    ready = await _answers(f"http://{ops.worker_health}/ready")
    assert ready.json() == {"status": "ready", "checks": {"postgresql": "ok", "temporal": "ok"}}

    sku = catalog({"MIL": 1})
    placed = order_body([(sku, 1)], customer=CUSTOMER, shipping_address=ADDRESS)
    refused = order_body([(sku, 5)], customer=CUSTOMER, shipping_address=ADDRESS)
    placed_id, refused_id = (PlaceOrder.model_validate(b).order_id for b in (placed, refused))
    assert (await ops.api.post("/orders", json=placed)).status_code == 201
    answer = await ops.api.post("/orders", json=refused)
    assert (answer.status_code, answer.json()["code"]) == (409, "insufficient_stock")
    forged = await ops.api.post("/webhooks/carrier", json={}, headers={"X-Ordino-Signature": "t=1,v1=00"})
    assert forged.status_code == 401
    await _completed(ops.api, placed_id)

    api = parse((await ops.api.get("/metrics")).text)  # an admin's key, as Prometheus would bring
    assert total(api, "ordino_orders_accepted_total") == 1
    assert total(api, "ordino_orders_rejected_total", code="insufficient_stock") == 1
    assert total(api, "ordino_webhooks_refused_total", sender="carrier", code="invalid_signature") == 1
    assert total(api, "ordino_http_requests_total", method="POST", route="/orders", status="201") == 1
    assert total(api, "ordino_http_requests_total", method="GET", route="/orders/{order_id}") >= 1
    delivered = total(
        api, "ordino_http_request_duration_seconds_count", route="/webhooks/carrier", status="202"
    )
    assert delivered >= 4  # picked up, in transit, out for delivery, delivered
    assert not [s for s in api if placed_id in str(s.labels)], "an order id in a label"

    worker = await scrape(f"http://{ops.worker_metrics}/metrics")
    assert total(worker, "temporal_workflow_completed", workflow_type="OrderWorkflow") >= 1
    assert total(worker, "temporal_worker_task_slots_available", worker_type="ActivityWorker") > 0
    for kind in ("order_confirmed", "parcel_shipped", "parcel_delivered"):
        assert total(worker, "ordino_mails_sent", kind=kind) >= 1, kind

    for process in ops.processes.values():
        await process.stop()  # every line written, flushed
    everything = [line for p in ops.processes.values() for line in p.lines]
    assert not [line for line in everything if any(word in line for word in PERSONAL)]
    assert not [line for line in everything if "Traceback" in line]
    for name in ops.processes:
        assert {line.get("process") for line in ops.lines(name)} == {name}, name

    # The refusal: one line, at info, with its code and order, in the worker that refused it.
    about_refused = [line for line in ops.lines("worker") if line.get("order_id") == refused_id]
    assert [(line["event"], line["level"], line["code"], line["step"]) for line in about_refused] == [
        ("refused by a business rule", "info", "insufficient_stock", "accept_order")
    ]
    # The access log: every request, by route, with its status, code, time and request id.
    requests = [line for line in ops.lines("api") if line["event"] == "request"]
    refusal = next(line for line in requests if line.get("order_id") == refused_id)
    assert (refusal["method"], refusal["route"], refusal["status"], refusal["code"]) == (
        "POST",
        "/orders",
        409,
        "insufficient_stock",
    )
    assert refusal["duration_ms"] > 0 and refusal["request_id"] == answer.headers["X-Request-ID"]
    assert {(line["route"], line["status"]) for line in requests} >= {
        ("/orders", 201),
        ("/orders/{order_id}", 200),
        ("/webhooks/carrier", 202),
        ("/webhooks/carrier", 401),
        ("/metrics", 200),
    }
    # A parcel's journey, in the carrier and in the API, line by line with the order id.
    for name, event in (("carrier", "carrier event sent"), ("api", "carrier event")):
        journey = [line for line in ops.lines(name) if line["event"] == event]
        assert len(journey) >= 4 and {line.get("order_id") for line in journey} >= {placed_id}, name


async def test_the_worker_probe_says_what_is_not_ready(dev_env, settings: Settings, db):
    """Not ready before the worker polls, nor while PostgreSQL does not answer."""
    readiness = WorkerReadiness()
    address = f"127.0.0.1:{free_port()}"
    server = await serve_health(address, readiness)
    down = Database(f"postgresql://nobody@127.0.0.1:{free_port()}/nothing", pool_size=1)
    queue = settings.model_copy(update={"task_queue": f"probe-{uuid.uuid4().hex[:6]}"})
    try:
        async with httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as probe:
            assert (await probe.get("/health")).json() == {"status": "ok"}
            starting = await probe.get("/ready")
            assert starting.status_code == 503
            assert starting.json()["details"]["checks"] == {"worker": "starting"}
            async with build_worker(dev_env.client, db, queue) as worker:
                readiness.attach(worker, down, "default")
                for _ in range(100):
                    checks = (await probe.get("/ready")).json()["details"]["checks"]
                    if checks.get("temporal") == "ok":  # once it runs, and then polls
                        break
                    await asyncio.sleep(0.1)
                assert checks == {"postgresql": "unreachable", "temporal": "ok"}
            assert (await probe.get("/nowhere")).status_code == 404
    finally:
        server.close()
        down.dispose()
