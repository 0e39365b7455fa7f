"""Outages of PostgreSQL and of the Temporal server. The worker, the API, the sandbox
carrier and the sandbox warehouse run as processes of their own (as `ordino dev` runs
them), each reaching PostgreSQL and Temporal through a TCP proxy the test cuts and restores.
Each process logs one line when a service goes down and one when it is back, never a
traceback; the API answers a coded 503 meanwhile; and orders go on afterwards."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.models import CustomerNotification
from domain.orders import PlaceOrder
from providers.backoff import TEMPORAL, Unavailable, outage_of
from providers.sandbox.smtp_sink import start_sink
from runtime.temporal_client import check_health
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from starter.operations import intake
from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.keys import api_client, remote_client, sandbox_warehouse_env
from tests.support.ordino_process import OrdinoProcess
from tests.support.ports import free_port
from tests.support.tcp_proxy import TcpProxy
from worker import build_worker

DOWN = "dependency unavailable"
BACK = "dependency available again"


@pytest.fixture(scope="module")
def warehouse_packs() -> Iterator[None]:
    """Packing is the sandbox warehouse process's job here, outage or not."""
    yield


@dataclass
class Proxies:
    postgres: TcpProxy
    temporal: TcpProxy

    def env(self, database_url: str, settings: Settings) -> dict[str, str]:
        """What each process is told: every service through a proxy, and short backoffs."""
        proxied = make_url(database_url).set(host="127.0.0.1", port=self.postgres.port)
        return {
            **os.environ,
            "ORDINO_DATABASE_URL": proxied.render_as_string(hide_password=False),
            "ORDINO_TEMPORAL_ADDRESS": self.temporal.address(),
            "ORDINO_TASK_QUEUE": settings.task_queue,
            "ORDINO_SMTP_PORT": str(settings.smtp_port),
            "ORDINO_RETRY_BACKOFF_INITIAL": "PT0.05S",
            "ORDINO_RETRY_BACKOFF_MAX": "PT0.5S",
            "ORDINO_HEALTH_CHECK_INTERVAL": "PT0.2S",
            "ORDINO_UPDATE_TIMEOUT": "PT2S",
            "ORDINO_CARRIER_POLL_INTERVAL": "PT0.1S",
            "ORDINO_PACK_DELAY": "PT0S",
            "ORDINO_CARRIER_STEP_DELAY": "PT0S",
            "ORDINO_RETURN_WINDOW": "PT0S",
            "ORDINO_FEEDBACK_DELAY": "PT0S",
        }


@pytest.fixture
def proxies(database_url: str, dev_env: WorkflowEnvironment) -> Iterator[Proxies]:
    postgres = make_url(database_url)
    if not postgres.host or not postgres.port:
        pytest.skip("the test PostgreSQL is not reached over TCP")
    temporal_host, _, temporal_port = dev_env.client.service_client.config.target_host.rpartition(":")
    with (
        TcpProxy(postgres.host, postgres.port) as pg,
        TcpProxy(temporal_host, int(temporal_port)) as temporal,
    ):
        yield Proxies(pg, temporal)


@pytest.fixture
def stack_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "task_queue": f"orders-{uuid.uuid4().hex[:6]}",
            "return_window": timedelta(0),
            "feedback_delay": timedelta(0),
        }
    )


@dataclass
class Stack:
    api: httpx.AsyncClient
    processes: dict[str, OrdinoProcess]
    settings: Settings

    def assert_logged_once(self, names: tuple[str, ...], dependency: str) -> None:
        for name in names:
            process = self.processes[name]
            down = process.events(DOWN, dependency=dependency)
            back = process.events(BACK, dependency=dependency)
            assert (len(down), len(back)) == (1, 1), f"ordino {name}:\n{process.tail()}"

    def assert_no_traceback(self) -> None:
        for name, process in self.processes.items():
            assert process.tracebacks() == [], f"ordino {name}:\n{process.tail()}"


async def _start(commands: tuple[str, ...], env: dict[str, str]) -> dict[str, OrdinoProcess]:
    processes = {command: OrdinoProcess(command, env) for command in commands}
    for process in processes.values():
        await process.start()
    return processes


@pytest.fixture
async def stack(proxies: Proxies, database_url: str, stack_settings: Settings, db) -> AsyncIterator[Stack]:
    port = free_port()
    env = {
        **proxies.env(database_url, stack_settings),
        **sandbox_warehouse_env(db),
        "ORDINO_API_PORT": str(port),
        "ORDINO_API_BASE_URL": f"http://127.0.0.1:{port}",
    }
    processes = await _start(("worker", "api", "carrier", "warehouse"), env)
    try:
        async with remote_client(f"http://127.0.0.1:{port}", db) as api:
            await _until_ready(api)
            await processes["worker"].wait_for("worker started")
            yield Stack(api, processes, stack_settings)
    finally:
        for process in processes.values():
            await process.stop()


async def _answer(api: httpx.AsyncClient, path: str = "/ready", timeout: float = 60) -> httpx.Response:
    """The API's answer, once it listens."""
    async with asyncio.timeout(timeout):
        while True:
            try:
                return await api.get(path)
            except httpx.TransportError:
                await asyncio.sleep(0.05)  # not listening yet


async def _until_ready(api: httpx.AsyncClient, timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while (await _answer(api)).status_code != 200:
            await asyncio.sleep(0.05)


async def test_the_worker_and_the_api_start_while_temporal_and_the_database_are_down(
    proxies, database_url, stack_settings, db
):
    proxies.postgres.cut()
    proxies.temporal.cut()
    port = free_port()
    env = {**proxies.env(database_url, stack_settings), "ORDINO_API_PORT": str(port)}
    processes = await _start(("worker", "api"), env)
    worker = processes["worker"]
    try:
        async with remote_client(f"http://127.0.0.1:{port}", db) as api:
            await worker.wait_for(DOWN, dependency="Temporal")
            ready = await _answer(api)  # it listens all the same, and says what is missing
            assert (ready.status_code, ready.json()["code"]) == (503, "not_ready")
            nothing = {"postgresql": "unreachable", "temporal": "unreachable"}
            assert ready.json()["details"]["checks"] == nothing
            assert (await api.get("/health")).status_code == 200

            proxies.temporal.restore()
            await worker.wait_for(BACK, dependency="Temporal")
            await worker.wait_for(DOWN, dependency="database")
            ready = await api.get("/ready")
            assert (ready.status_code, ready.json()["code"]) == (503, "not_ready")
            assert ready.json()["details"]["checks"] == {"postgresql": "unreachable", "temporal": "ok"}
            proxies.postgres.restore()
            await worker.wait_for(BACK, dependency="database")
            await worker.wait_for("worker started")
            await _until_ready(api)
    finally:
        for process in processes.values():
            await process.stop()
    for name, process in processes.items():
        assert process.tracebacks() == [], f"ordino {name}:\n{process.tail()}"
    assert len(worker.events(DOWN)) == 2  # once for Temporal, once for the database


async def test_orders_go_on_through_a_database_outage(stack, proxies, catalog, db, dev_env):
    sku = catalog({"MIL": 5})
    proxies.postgres.cut()
    # The loops see it on their next tick, the API as soon as a call needs the database.
    for name in ("carrier", "warehouse"):
        await stack.processes[name].wait_for(DOWN, dependency="database")
    ready = await stack.api.get("/ready")
    assert (ready.status_code, ready.json()["details"]["checks"]["postgresql"]) == (503, "unreachable")
    refused = await stack.api.post("/orders", json=order_body([(sku, 1)]))
    assert (refused.status_code, refused.json()["code"]) == (503, "database_unavailable")
    assert refused.headers["retry-after"] and refused.json()["request_id"]
    assert refused.json()["code"] == "database_unavailable"

    # An order that reaches its workflow all the same waits for the worker's database.
    request = PlaceOrder.model_validate(order_body([(sku, 1)]))
    placing = asyncio.create_task(intake.place_order(dev_env.client, db, stack.settings, request))
    await stack.processes["worker"].wait_for(DOWN, dependency="database")
    proxies.postgres.restore()

    accepted, created = await asyncio.wait_for(placing, 60)
    assert created
    await _until_ready(stack.api)
    # Packed by the warehouse process, delivered by the carrier process, through the API.
    await wait_for_status(stack.api, accepted.order_id, "completed", tries=1200)
    # A loop logs the database back once a tick of its own gets through, which may come
    # after the order it packed or delivered has gone on to completed.
    for name in ("carrier", "warehouse"):
        await stack.processes[name].wait_for(BACK, dependency="database")
    stack.assert_no_traceback()
    stack.assert_logged_once(("worker", "api", "carrier", "warehouse"), "database")


async def test_orders_go_on_through_a_temporal_outage(stack, proxies, catalog):
    proxies.temporal.cut()
    await stack.processes["worker"].wait_for(DOWN, dependency="Temporal")
    ready = await stack.api.get("/ready")
    assert (ready.status_code, ready.json()["details"]["checks"]["temporal"]) == (503, "unreachable")
    # An order placed now gets no answer within the API's update timeout (shorter here than
    # the client's own retries, which end in 503 temporal_unavailable).
    body = order_body([(catalog({"MIL": 5}), 1)])
    unanswered = await stack.api.post("/orders", json=body)
    assert (unanswered.status_code, unanswered.json()["code"]) == (503, "update_timeout")
    proxies.temporal.restore()
    await stack.processes["worker"].wait_for(BACK, dependency="Temporal")
    await _until_ready(stack.api)

    # The worker's pollers come back on their own backoff: until then the order does not
    # answer in time either; the same request again places it, once.
    async with asyncio.timeout(60):
        while (placed := await stack.api.post("/orders", json=body)).status_code == 503:
            assert placed.json()["code"] == "update_timeout"
    assert placed.status_code in (200, 201), placed.text
    await wait_for_status(stack.api, placed.json()["order_id"], "completed", tries=1200)
    stack.assert_no_traceback()
    stack.assert_logged_once(("worker", "api"), "Temporal")


async def test_customer_mail_waits_for_a_mail_server_that_is_down(
    dev_env, db, stack_settings, catalog, caplog
):
    port = free_port()  # nothing listens there yet
    settings = stack_settings.model_copy(update={"smtp_port": port})
    caplog.set_level(logging.DEBUG, logger="temporalio.activity")
    app = create_app(settings, Services(settings, dev_env.client, db))

    def unsent(order_id: str) -> int:
        with db.reader() as s:
            return s.scalar(
                select(func.count()).where(
                    CustomerNotification.order_id == order_id, CustomerNotification.sent_at.is_(None)
                )
            )

    def failed_attempts() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.getMessage().startswith("Completing activity as failed")]

    body = order_body([(catalog({"MIL": 1}), 1)])
    order_id = PlaceOrder.model_validate(body).order_id
    controller = None
    try:
        async with (
            build_worker(dev_env.client, db, settings),
            api_client(app, db) as api,
        ):
            placing = asyncio.create_task(api.post("/orders", json=body))
            try:
                async with asyncio.timeout(30):  # the confirmation is written; sending it failed
                    while not (unsent(order_id) and failed_attempts()):
                        await asyncio.sleep(0.05)
            finally:
                # The mail server is back; even if the test failed, as the worker stops only
                # once the step that sends is done.
                controller, sink = start_sink("127.0.0.1", port)
            placed = await placing
            assert placed.status_code == 201, placed.text
            async with asyncio.timeout(30):  # the step's next attempt sends it
                while unsent(order_id):
                    await asyncio.sleep(0.05)
    finally:
        if controller is not None:
            controller.stop()
    assert [m["Subject"] for m in sink.for_order(order_id)] != []
    # Each failed attempt was benign (a debug line), never a warning with a traceback.
    assert {r.levelno for r in failed_attempts()} == {logging.DEBUG}
    assert [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info] == []


async def test_a_temporal_server_that_hangs_is_an_outage_to_wait_out(dev_env: WorkflowEnvironment):
    """Seen in the dev stack under load: a health check that got no answer in time failed
    with an RPC error the worker did not take for an outage, and the worker stopped."""
    host, _, port = dev_env.client.service_client.config.target_host.rpartition(":")
    with TcpProxy(host, int(port)) as temporal:
        client = await Client.connect(temporal.address())
        await check_health(client)
        temporal.stall()
        with pytest.raises(Unavailable) as hung:
            await check_health(client, timeout=timedelta(milliseconds=300))
        assert outage_of(hung.value) == TEMPORAL
        temporal.restore()
        await check_health(client)
