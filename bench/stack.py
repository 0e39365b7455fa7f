"""What the order benchmarks share: a database of the run's own on the PostgreSQL at
ORDINO_TEST_ADMIN_URL, an in-memory Temporal dev server, Ordino's processes started as
`starter.cli` commands with the run's keys, the process groups whose CPU and memory they
report, the benchmark's order body and the load loops. (The chaos run has a stack of its
own, bench/chaos/stack.py: it kills PostgreSQL and Temporal, so it runs private ones.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.engine import Database
from db.migrate import upgrade
from db.seed import seed_demo_catalog
from runtime.payload_codec import data_converter
from runtime.temporal_client import dev_server_flags
from settings import Settings
from starter.dev.api_keys import DevKeys, dev_keys
from starter.dev.binaries import temporal_cli
from starter.dev.codec_keys import environment, new_keys

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("ORDINO_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLI = [sys.executable, "-m", "starter.cli"]
TASK_QUEUE = "bench-orders"


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


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def cpu_seconds(groups: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    """CPU time used so far by each process (user + system), by group and pid."""
    used: dict[str, dict[int, float]] = {}
    for name, pids in groups.items():
        used[name] = {}
        for pid in pids:
            try:
                t = psutil.Process(pid).cpu_times()
            except psutil.NoSuchProcess:
                continue
            used[name][pid] = t.user + t.system
    return used


def cpu_ms_per(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], jobs: int
) -> dict[str, float]:
    """CPU milliseconds per job by group between two cpu_seconds() readings, each of the
    groups as listed then: a process that started in between (a PostgreSQL backend for a new
    connection, say) counts in full; one that ended in between is lost."""
    spent: dict[str, float] = {}
    for group, pids in after.items():
        earlier = before.get(group, {})
        spent[group] = sum(t - earlier.get(pid, 0.0) for pid, t in pids.items()) * 1000 / jobs
    return spent


def print_cpu(label: str, spent: dict[str, float]) -> None:
    parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]) if v >= 0.05)
    print(f"  CPU ms per {label}: {sum(spent.values()):.1f} ({parts})")


def postgres_pids(dbname: str) -> list[int]:
    """The PostgreSQL server's processes that work for this run: the postmaster, its
    background processes, and the backends connected to the run's database. Other
    databases' backends on a shared server are left out."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s OR backend_type <> 'client backend'",
            (dbname,),
        ).fetchall()
    pids = [pid for (pid,) in rows]
    parents = {psutil.Process(pid).ppid() for pid in pids if psutil.pid_exists(pid)}
    return sorted({*pids, *parents})


def database_bytes(dbname: str) -> int:
    """The run's database on disk: the most its rows can take of PostgreSQL's buffers."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", (dbname,)).fetchone()
    return int(row[0]) if row else 0


def temporal_server_pids() -> list[int]:
    """The dev server this process started (a child of it), not another run's."""
    children = psutil.Process().children(recursive=True)
    return [p.pid for p in children if p.name() == "temporal"]


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


@dataclass
class Stack:
    """The run's database, Temporal server and processes, by group name."""

    dbname: str
    db: Database
    env: WorkflowEnvironment
    keys: DevKeys
    child_env: dict[str, str]
    api_port: int
    processes: dict[str, list[subprocess.Popen[bytes]]] = field(default_factory=dict)

    @property
    def client(self) -> Client:
        return self.env.client

    def start(self, group: str, argv: list[str], **env: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(argv, env={**self.child_env, **env}, cwd=ROOT)
        self.processes.setdefault(group, []).append(process)
        return process

    async def start_worker(self, group: str = "order worker", **env: str) -> subprocess.Popen[bytes]:
        """An order worker, once Temporal sees it poll (its /ready)."""
        health = f"127.0.0.1:{free_port()}"
        process = self.start(group, [*CLI, "worker"], ORDINO_WORKER_HEALTH=health, **env)
        await wait_http(f"http://{health}/ready", timeout=120)
        return process

    def kill(self, group: str) -> None:
        """kill -9 every process of the group, as a crash would."""
        for process in self.processes.pop(group, []):
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self, group: str) -> None:
        for process in self.processes.pop(group, []):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:  # still answering requests of a failed run
                process.kill()
                process.wait()

    def groups(self) -> dict[str, list[int]]:
        """Every process of the run by group: Ordino's, Temporal's, PostgreSQL's, this one."""
        groups = {name: [p.pid for p in procs] for name, procs in self.processes.items()}
        groups["temporal server"] = temporal_server_pids()
        groups["postgres"] = postgres_pids(self.dbname)
        groups["load generator"] = [os.getpid()]
        return groups

    def api(self, role: str, max_connections: int = 200) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.api_port}",
            timeout=60,
            limits=httpx.Limits(max_connections=max_connections),
            headers=self.keys.header(role),
        )


@contextmanager
def scratch_database() -> Iterator[tuple[str, str]]:
    """A database of the run's own at ADMIN_URL, migrated: its name and URL. Dropped at the end."""
    dbname = f"ordino_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    try:
        db_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
        upgrade(db_url)
        yield dbname, db_url
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _child_env(
    db_url: str, address: str, api_port: int, keys: DevKeys, codec: dict[str, Any]
) -> dict[str, str]:
    return {
        **os.environ,
        "ORDINO_DATABASE_URL": db_url,
        "ORDINO_TEMPORAL_ADDRESS": address,
        "ORDINO_TASK_QUEUE": TASK_QUEUE,
        "ORDINO_API_PORT": str(api_port),
        "ORDINO_API_BASE_URL": f"http://127.0.0.1:{api_port}",
        "ORDINO_LOG_LEVEL": "WARNING",
        "ORDINO_SMTP_PORT": str(free_port()),
        "ORDINO_DEV_SECRETS_ALLOWED": "true",
        **keys.env(),
        **environment(codec),
    }


@asynccontextmanager
async def bench_stack(settings: dict[str, str]) -> AsyncIterator[Stack]:
    """A fresh database (migrated, the demo catalog and the bench's stock), a Temporal dev
    server, the API and the mail sink, with these ORDINO_* settings for every process;
    everything stopped and the database dropped at the end. Workers are the caller's."""
    with scratch_database() as (dbname, db_url):
        db = Database(db_url, pool_size=2)
        seed_demo_catalog(db)
        add_bench_stock(db)
        keys = dev_keys(db, Path(f"/tmp/{dbname}-keys.json"))
        codec = new_keys("bench-1")  # the run's own
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_cli(),
            dev_server_extra_args=dev_server_flags(),
            data_converter=data_converter(Settings(**codec)),
            dev_server_log_level="error",  # not a line per slow call under load
        )
        api_port = free_port()
        address = env.client.service_client.config.target_host
        child_env = {**_child_env(db_url, address, api_port, keys, codec), **settings}
        stack = Stack(dbname, db, env, keys, child_env, api_port)
        try:
            stack.start("api", [*CLI, "api"])
            stack.start("mail sink", [*CLI, "mailsink"], ORDINO_DATA_DIR=f"/tmp/{dbname}")
            await wait_http(f"http://127.0.0.1:{api_port}/health")
            yield stack
        finally:
            for group in list(stack.processes):
                stack.stop(group)
            await env.shutdown()
            db.dispose()
