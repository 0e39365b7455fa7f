"""End-to-end order throughput and acceptance latency, against a bare Temporal workflow of
8 no-op activities measured on the same server in the same run.

    .venv/bin/python -m bench.orders_per_second [--orders 300] [--concurrency 24]

Orders go POST /orders -> accepted -> paid -> invoiced -> booked; the sandbox carrier posts
its tracking events to the webhook as soon as a parcel is booked, and the return window is
zero, so an order is done when its workflow completes. Each side runs twice, interleaved,
and the better round counts, so one noisy moment on a shared machine does not decide.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
import psycopg
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from bench.bare_workflow import TASK_QUEUE as BARE_QUEUE
from bench.bare_workflow import BareWorkflow
from contracts.ids import order_workflow_id
from db.engine import Database
from db.migrate import upgrade
from db.seed import seed_demo_catalog
from runtime.payload_codec import data_converter
from runtime.temporal_client import dev_server_flags
from settings import Settings
from starter.dev.api_keys import dev_keys
from starter.dev.binaries import temporal_cli
from starter.dev.codec_keys import environment, new_keys
from workflows.order import OrderWorkflow

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("ORDINO_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def order(n: int, run: str) -> dict[str, Any]:
    return {
        "channel": "webshop",
        "external_id": f"B{run}-{n}",
        "customer": {"id": f"bench-{n % 50}", "email": "bench@example.com", "name": "Bench Customer"},
        "shipping_address": {
            "name": "Bench Customer",
            "line1": "Via Roma 1",
            "postal_code": "20121",
            "city": "Milano",
            "country": "IT",
        },
        "lines": [{"sku": "BENCH-A", "quantity": 1}, {"sku": "BENCH-B", "quantity": 2}],
        "currency": "EUR",
        "payment_token": "tok_visa",
    }


def add_bench_stock(db: Database) -> None:
    """Plenty of stock for two SKUs, so the benchmark never runs out."""
    from decimal import Decimal

    from sqlalchemy.dialects.postgresql import insert

    from db import stock
    from db.models import PriceListPrice, Product

    with db.transaction() as s:
        for sku, price in (("BENCH-A", "9.90"), ("BENCH-B", "4.50")):
            s.execute(
                insert(Product)
                .values(sku=sku, name=sku, tax_class="standard", weight_grams=200)
                .on_conflict_do_nothing()
            )
            s.execute(
                insert(PriceListPrice)
                .values(price_list="BASE-EUR", sku=sku, amount=Decimal(price))
                .on_conflict_do_nothing()
            )
            stock.receive(s, sku, "MIL", 1_000_000, reference="bench")


async def closed_loop(total: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Run `total` jobs with `concurrency` in flight; return jobs per second."""
    queue = iter(range(total))

    async def lane() -> None:
        for n in queue:
            await one(n)

    start = time.perf_counter()
    await asyncio.gather(*[lane() for _ in range(concurrency)])
    return total / (time.perf_counter() - start)


async def open_loop(
    rate: float, seconds: float, one: Callable[[int], Coroutine[Any, Any, float]]
) -> list[float]:
    """Start jobs at a fixed rate regardless of how long each takes; return their latencies."""
    tasks: list[asyncio.Task[float]] = []
    start = time.perf_counter()
    for n in range(int(rate * seconds)):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    return list(await asyncio.gather(*tasks))


def cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    """CPU time used so far by each group of processes (user + system)."""
    import psutil

    used: dict[str, float] = {}
    for name, group in pids.items():
        total = 0.0
        for pid in group:
            try:
                t = psutil.Process(pid).cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        used[name] = total
    return used


def process_groups(procs: dict[str, subprocess.Popen[bytes]]) -> dict[str, list[int]]:
    import psutil

    groups = {name: [p.pid] for name, p in procs.items()}
    groups["temporal server"] = [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "temporal"]
    groups["postgres"] = [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    groups["load generator"] = [os.getpid()]
    return groups


def print_cpu(label: str, before: dict[str, float], after: dict[str, float], jobs: int) -> None:
    spent = {k: (after[k] - before[k]) * 1000 / jobs for k in after}
    parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]) if v >= 0.05)
    print(f"  CPU ms per {label}: {sum(spent.values()):.1f} ({parts})")


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


async def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def main(args: argparse.Namespace) -> None:
    dbname = f"ordino_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    db_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
    upgrade(db_url)
    db = Database(db_url, pool_size=2)
    seed_demo_catalog(db)
    add_bench_stock(db)
    api_keys = dev_keys(db, Path(f"/tmp/{dbname}-keys.json"))

    keys = new_keys("bench-1")  # the run's own
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=dev_server_flags(),
        data_converter=data_converter(Settings(**keys)),
    )
    address = env.client.service_client.config.target_host
    api_port = free_port()
    child_env = {
        **os.environ,
        "ORDINO_DATABASE_URL": db_url,
        "ORDINO_TEMPORAL_ADDRESS": address,
        "ORDINO_TASK_QUEUE": "bench-orders",
        "ORDINO_RETURN_WINDOW": "PT0S",
        "ORDINO_CARRIER_STEP_DELAY": "PT0S",
        "ORDINO_CARRIER_POLL_INTERVAL": "PT0.05S",
        "ORDINO_CARRIER_JOURNEY": '["delivered"]',
        "ORDINO_API_PORT": str(api_port),
        "ORDINO_API_BASE_URL": f"http://127.0.0.1:{api_port}",
        "ORDINO_LOG_LEVEL": "WARNING",
        # The sandbox warehouse packs at once; the feedback request goes out at delivery.
        "ORDINO_PACK_DELAY": "PT0S",
        "ORDINO_FEEDBACK_DELAY": "PT0S",
        "ORDINO_SMTP_PORT": str(free_port()),
        "ORDINO_DEV_SECRETS_ALLOWED": "true",
        **api_keys.env(),
        **environment(keys),
    }
    cli = [sys.executable, "-m", "starter.cli"]
    children = {
        "order worker": subprocess.Popen([*cli, "worker"], env=child_env, cwd=ROOT),
        "api": subprocess.Popen([*cli, "api"], env=child_env, cwd=ROOT),
        "carrier": subprocess.Popen([*cli, "carrier"], env=child_env, cwd=ROOT),
        "warehouse": subprocess.Popen([*cli, "warehouse"], env=child_env, cwd=ROOT),
        "mail sink": subprocess.Popen(
            [*cli, "mailsink"], env={**child_env, "ORDINO_DATA_DIR": f"/tmp/{dbname}"}, cwd=ROOT
        ),
        "bare worker": subprocess.Popen(
            [sys.executable, "-m", "bench.bare_workflow"], env=child_env, cwd=ROOT
        ),
    }
    procs = list(children.values())
    client: Client = env.client
    api = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{api_port}",
        timeout=60,
        limits=httpx.Limits(max_connections=200),
        headers=api_keys.header("channel"),
    )
    try:
        await wait_http(f"http://127.0.0.1:{api_port}/health")
        run = uuid.uuid4().hex[:6]
        counter = iter(range(10**9))

        async def place(n: int) -> float:
            body = order(next(counter), run)
            t = time.perf_counter()
            r = await api.post("/orders", json=body)
            latency = time.perf_counter() - t
            if r.status_code != 201:
                raise RuntimeError(f"order refused: {r.status_code} {r.text}")
            return latency

        async def one_order(n: int) -> None:
            body = order(next(counter), run)
            r = await api.post("/orders", json=body)
            if r.status_code != 201:
                raise RuntimeError(f"order refused: {r.status_code} {r.text}")
            wid = order_workflow_id(r.json()["order_id"])
            outcome = await client.get_workflow_handle_for(OrderWorkflow.run, wid).result()
            if outcome.status != "completed":
                raise RuntimeError(f"{wid} ended {outcome.status}")

        async def one_bare(n: int) -> None:
            await client.execute_workflow(
                BareWorkflow.run, id=f"bare-{run}-{next(counter)}", task_queue=BARE_QUEUE
            )

        print(f"warming up ({args.concurrency} in flight)…", flush=True)
        await closed_loop(args.concurrency * 2, args.concurrency, one_order)
        await closed_loop(args.concurrency * 2, args.concurrency, one_bare)

        groups = process_groups(children)
        order_rates, bare_rates = [], []
        for round_ in (1, 2):
            t0 = cpu_seconds(groups)
            bare_rates.append(await closed_loop(args.orders, args.concurrency, one_bare))
            t1 = cpu_seconds(groups)
            order_rates.append(await closed_loop(args.orders, args.concurrency, one_order))
            t2 = cpu_seconds(groups)
            print(f"round {round_}: bare {bare_rates[-1]:.1f}/s, orders {order_rates[-1]:.1f}/s", flush=True)
            print_cpu("bare workflow", t0, t1, args.orders)
            print_cpu("order", t1, t2, args.orders)
        order_rate, bare_rate = max(order_rates), max(bare_rates)

        half = order_rate / 2
        print(f"acceptance latency at half the maximum order rate ({half:.1f}/s)…", flush=True)
        latencies = [x * 1000 for x in await open_loop(half, args.latency_seconds, place)]

        print()
        print(f"machine: {os.cpu_count()} cores; Temporal dev server (in memory), PostgreSQL at {ADMIN_URL}")
        print(f"{'bare workflow, 8 no-op activities':<40} {bare_rate:8.1f} workflows/s")
        print(f"{'orders, POST to completed':<40} {order_rate:8.1f} orders/s")
        print(f"{'ratio orders / bare':<40} {order_rate / bare_rate:8.2f}")
        print(
            f"acceptance latency at {half:.1f} orders/s over {len(latencies)} orders: "
            f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
            f"p99 {percentile(latencies, 99):.0f} ms"
        )
    finally:
        await api.aclose()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=15)
        await env.shutdown()
        db.dispose()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--latency-seconds", type=float, default=15)
    asyncio.run(main(parser.parse_args()))
