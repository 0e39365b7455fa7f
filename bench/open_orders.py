"""Many open orders: park thousands of orders at a durable wait (picked, waiting for the
warehouse to confirm packing), and measure what each open order holds in the worker, the
Temporal server and PostgreSQL; then kill -9 the worker, start one whose workflow cache is
smaller than the orders open, and release every order to completion.

    .venv/bin/python -m bench.open_orders [--orders 5000] [--cache 1000] [--sample 500]

1. park: a worker that caches every order (max_cached_workflows above the orders placed);
   a warm-up batch parks first, then memory is read (the baseline), then --orders more are
   placed through POST /orders and memory read again: growth / orders is the cost of one.
   No warehouse runs, and the pack recheck is a day away, so a parked order sleeps.
2. cached: --sample orders are released on that worker, each from its cache.
3. restart: kill -9 that worker while the rest are parked; a new one starts with
   max_cached_workflows = --cache, and a query to every order makes it replay each from its
   history; its cache keeps the last --cache of them (least recently used out first).
4. drain: packing is confirmed for every order still parked through the API, as the
   sandbox warehouse confirms it; the carrier delivers, the return window is zero, and every
   workflow must complete.
Results: bench/results/ (bench/results.py).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select
from temporalio.client import WorkflowHandle

from bench import results
from bench.footprint import MIB, Footprint, footprint, settled
from bench.stack import (
    CLI,
    Stack,
    bench_stack,
    closed_loop,
    cpu_ms_per,
    cpu_seconds,
    database_bytes,
    free_port,
    order,
    print_cpu,
)
from contracts.ids import order_workflow_id
from db.models import Fulfillment
from domain.orders import OrderOutcome, order_id_for
from workflows.order import OrderWorkflow

SETTINGS = {
    "ORDINO_RETURN_WINDOW": "PT0S",
    "ORDINO_FEEDBACK_DELAY": "PT0S",
    "ORDINO_CARRIER_STEP_DELAY": "PT0S",
    "ORDINO_CARRIER_POLL_INTERVAL": "PT0.05S",
    "ORDINO_CARRIER_JOURNEY": '["delivered"]',
    # A parked order's first look at the database for a missed confirmation: after the run.
    "ORDINO_PACK_RECHECK_INTERVAL": "P1D",
}
WORKER = "order worker"
# Whose memory is read, and whose quiet means every order is parked.
MEASURED = (WORKER, "temporal server", "postgres")
WARMUP = 48
GIB = 2**30
T = TypeVar("T")


# The SDK's own counters of the worker's workflow cache (ORDINO_WORKER_METRICS). Its replay
# latency histogram counts every workflow task; those that found their order in the cache
# are the hits, and the rest came with the order's whole history, to be replayed. (A query
# is no workflow task: it is not counted.)
CACHE_COUNTERS = {
    "workflow_task_replay_latency_count": "workflow tasks",
    "sticky_cache_hit": "hits",
    "sticky_cache_miss": "misses",
    "sticky_cache_total_forced_eviction": "evictions",
}


async def cache_counters(metrics: str) -> dict[str, float]:
    """The worker's cache counters so far, from its Prometheus text."""
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://{metrics}/metrics")).text
    counts = dict.fromkeys(CACHE_COUNTERS.values(), 0.0)
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0].removeprefix("temporal_").removesuffix("_total")
        label = CACHE_COUNTERS.get(name)
        if label:
            counts[label] += float(line.rsplit(" ", 1)[1])  # summed over the labels' values
    return counts


@dataclass
class Phase:
    """What one step of the run cost: wall time, CPU per order by process group, and what
    the worker's cache did."""

    seconds: float
    cpu_ms: dict[str, float]
    cache: dict[str, float]

    @property
    def total_ms(self) -> float:
        return sum(self.cpu_ms.values())


@dataclass
class Run:
    stack: Stack
    channel: httpx.AsyncClient
    warehouse: httpx.AsyncClient
    concurrency: int
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    metrics: str = ""  # where the running worker serves its metrics
    order_ids: list[str] = field(default_factory=list)

    def memory(self) -> dict[str, Footprint]:
        groups = self.stack.groups()
        return {group: footprint(groups.get(group, [])) for group in MEASURED}

    async def quiet(self) -> float:
        return await settled(lambda: {g: p for g, p in self.stack.groups().items() if g in MEASURED}, 0.1)

    async def timed(self, what: str, items: Sequence[T], one: Callable[[T], Awaitable[None]]) -> Phase:
        cache0 = await cache_counters(self.metrics)
        cpu0, t0 = cpu_seconds(self.stack.groups()), time.perf_counter()
        await closed_loop(len(items), self.concurrency, lambda n: one(items[n]))
        seconds = time.perf_counter() - t0
        cpu = cpu_ms_per(cpu0, cpu_seconds(self.stack.groups()), len(items))
        cache1 = await cache_counters(self.metrics)
        phase = Phase(seconds, cpu, {k: cache1[k] - cache0[k] for k in cache1})
        print(f"  {what}: {len(items)} orders in {seconds:.0f} s ({len(items) / seconds:.1f}/s)")
        print_cpu("order", phase.cpu_ms)
        print("  the worker's cache: " + ", ".join(f"{k} {v:,.0f}" for k, v in phase.cache.items()))
        return phase

    async def start_worker(self, cache: int) -> None:
        self.metrics = f"127.0.0.1:{free_port()}"
        await self.stack.start_worker(WORKER, ORDINO_MAX_CACHED_WORKFLOWS=str(cache),
                                      ORDINO_WORKER_METRICS=self.metrics)  # fmt: skip

    async def park(self, n: int) -> Phase:
        """Place n orders and wait until each is picked and its worker idle."""
        numbers = range(len(self.order_ids), len(self.order_ids) + n)

        async def place(k: int) -> None:
            r = await self.channel.post("/orders", json=order(k, self.tag))
            while r.status_code == 503 and r.json().get("code") == "update_timeout":
                # A worker behind on its tasks: the answer says to place it again as it was.
                r = await self.channel.post("/orders", json=order(k, self.tag))
            if r.status_code != 201:
                raise RuntimeError(f"order refused: {r.status_code} {r.text}")

        phase = await self.timed("placed", numbers, place)
        self.order_ids += [order_id_for("webshop", f"B{self.tag}-{k}") for k in numbers]
        await self.wait_picking(len(self.order_ids))
        print(f"  all parked and quiet after {await self.quiet():.0f} s more", flush=True)
        return phase

    async def wait_picking(self, expected: int, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while (picking := self.picking()) < expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {picking} of {expected} orders are being picked")
            await asyncio.sleep(1)

    def picking(self) -> int:
        with self.stack.db.reader() as s:
            return int(s.scalar(select(func.count()).where(Fulfillment.status == "picking")) or 0)

    async def carrier(self, start: bool) -> None:
        """The sandbox carrier delivers what is booked; it runs only while orders ship."""
        if start:
            self.stack.start("carrier", [*CLI, "carrier"])
            await asyncio.sleep(10)  # its start-up (imports, connections) is not the orders'
        else:
            self.stack.stop("carrier")

    def handle(self, order_id: str) -> WorkflowHandle[OrderWorkflow, OrderOutcome]:
        return self.stack.client.get_workflow_handle_for(OrderWorkflow.run, order_workflow_id(order_id))

    async def query(self, order_id: str) -> None:
        progress = await self.handle(order_id).query(OrderWorkflow.progress)
        if not progress.packing:
            raise RuntimeError(f"{order_id} is not waiting to be packed: {progress.status}")

    async def release(self, order_id: str) -> None:
        """Confirm packing as the sandbox warehouse does, then wait for the order to complete."""
        r = await self.warehouse.post(f"/orders/{order_id}/fulfillments/MIL/packed")
        if r.status_code != 200:
            raise RuntimeError(f"packing of {order_id} refused: {r.status_code} {r.text}")
        outcome = await self.handle(order_id).result()
        if outcome.status != "completed":
            raise RuntimeError(f"{order_id} ended {outcome.status}")


def per_order(before: dict[str, Footprint], after: dict[str, Footprint], n: int) -> dict[str, Footprint]:
    return {group: (after[group] - before[group]).per(n) for group in MEASURED}


def print_memory(label: str, memory: dict[str, Footprint], unit: str = "mib") -> None:
    print(f"  {label}:")
    for group, f in memory.items():
        print(f"    {group:<16} {f.mib() if unit == 'mib' else f.kib()}")


async def parked_phase(run: Run, args: argparse.Namespace, figures: dict[str, Any]) -> None:
    print(
        f"park: warm-up of {WARMUP} orders, then {args.orders}, on a worker that caches them all", flush=True
    )
    await run.park(WARMUP)
    baseline, rows = run.memory(), database_bytes(run.stack.dbname)
    print_memory("baseline", baseline)
    parked = await run.park(args.orders)
    full, rows = run.memory(), database_bytes(run.stack.dbname) - rows
    print_memory(f"{len(run.order_ids)} orders open", full)
    each = per_order(baseline, full, args.orders)
    print_memory("per open order", each, unit="kib")
    print(f"    the database on disk grew {rows / args.orders / 1024:.1f} KiB per open order")
    worker_rss = full[WORKER].rss
    print(f"  worker RSS {worker_rss / MIB:,.0f} MiB with {len(run.order_ids)} open: "
          f"{'within' if worker_rss <= GIB else 'OVER'} the 1 GiB goal")  # fmt: skip
    figures |= {
        "parking orders per second": args.orders / parked.seconds,
        "CPU ms per parked order": parked.total_ms,
        "worker RSS MiB, all open orders cached": worker_rss / MIB,
        "worker RSS MiB, baseline": baseline[WORKER].rss / MIB,
        "worker RSS KiB per open order": each[WORKER].rss / 1024,
        "worker USS KiB per open order": each[WORKER].uss / 1024,
        "Temporal server RSS KiB per open order": each["temporal server"].rss / 1024,
        "Temporal server PSS KiB per open order": each["temporal server"].pss / 1024,
        "PostgreSQL PSS KiB per open order": each["postgres"].pss / 1024,
        "PostgreSQL RSS (summed) KiB per open order": each["postgres"].rss / 1024,
        "PostgreSQL database on disk KiB per open order": rows / args.orders / 1024,
    }


async def cached_phase(run: Run, args: argparse.Namespace, figures: dict[str, Any]) -> None:
    """Release a sample on the worker that has every order in its cache: the cost of a
    release without a replay."""
    print(f"release {args.sample} orders on that worker, from its cache", flush=True)
    await run.carrier(start=True)
    sample, run.order_ids = run.order_ids[: args.sample], run.order_ids[args.sample :]
    hits = await run.timed("released from the cache", sample, run.release)
    await run.carrier(start=False)  # every one of them is delivered: nothing is left for it
    figures |= {
        "cached workflow tasks per order": hits.cache["workflow tasks"] / len(sample),
        "cached tasks from the cache per order": hits.cache["hits"] / len(sample),
        "release CPU ms per order, cached": hits.total_ms,
        "release worker CPU ms per order, cached": hits.cpu_ms[WORKER],
    }


async def evicted_phase(run: Run, args: argparse.Namespace, figures: dict[str, Any]) -> None:
    """kill -9 the worker; a new one with the small cache replays every order for a query,
    and keeps the last it queried."""
    print(f"restart: kill -9 the worker; a new one with max_cached_workflows={args.cache}", flush=True)
    run.stack.kill(WORKER)
    await run.start_worker(args.cache)
    await run.quiet()
    idle = run.memory()[WORKER]
    print(f"  new worker, idle: {idle.mib()}")
    replayed = await run.timed("queried (each replayed from its history)", run.order_ids, run.query)
    await run.quiet()
    full = run.memory()[WORKER]
    print(f"  new worker, its cache full ({args.cache} of {len(run.order_ids)} open): {full.mib()}")
    figures |= {
        "worker RSS MiB after restart, idle": idle.rss / MIB,
        f"worker RSS MiB, cache {args.cache} full": full.rss / MIB,
        "worker RSS KiB per cached order (small cache)": (full.rss - idle.rss) / args.cache / 1024,
        "CPU ms per replay (query of an evicted order)": replayed.total_ms,
        "evictions per query": replayed.cache["evictions"] / len(run.order_ids),
        "worker CPU ms per replay": replayed.cpu_ms[WORKER],
    }


async def drain_phase(run: Run, figures: dict[str, Any]) -> None:
    """Release every order still parked on the new worker; each must complete."""
    print(f"drain: confirm packing of the {len(run.order_ids)} orders still parked", flush=True)
    await run.carrier(start=True)
    drain = await run.timed("released after the restart", run.order_ids, run.release)
    total = len(run.order_ids)
    print(f"  every one of {total} orders completed: {drain.seconds:.0f} s, {drain.total_ms:.0f} ms CPU each")
    figures |= {
        "orders completed after restart": total,
        "drain seconds": drain.seconds,
        "drain orders per second": total / drain.seconds,
        "drain CPU ms per order": drain.total_ms,
        "drain worker CPU ms per order": drain.cpu_ms[WORKER],
        "drain workflow tasks per order": drain.cache["workflow tasks"] / total,
        "drain tasks from the cache per order": drain.cache["hits"] / total,
        "drain CPU ms per order: Temporal server": drain.cpu_ms["temporal server"],
        "drain CPU ms per order: PostgreSQL": drain.cpu_ms["postgres"],
    }


def headline(args: argparse.Namespace) -> list[str]:
    """The figures the README's table shows."""
    return [
        "worker RSS MiB, all open orders cached",
        "worker RSS KiB per open order",
        "Temporal server RSS KiB per open order",
        "PostgreSQL database on disk KiB per open order",
        f"worker RSS MiB, cache {args.cache} full",
        "CPU ms per replay (query of an evicted order)",
        "orders completed after restart",
        "drain seconds",
        "drain CPU ms per order",
    ]


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    figures: dict[str, Any] = {
        "orders open": args.orders + WARMUP,
        "orders open at the restart": args.orders + WARMUP - args.sample,
    }
    async with (
        bench_stack(SETTINGS) as stack,
        stack.api("channel") as channel,
        stack.api("warehouse") as warehouse,
    ):
        warehouse.headers["authorization"] = f"Bearer {stack.keys.warehouses['MIL']}"
        run = Run(stack, channel, warehouse, args.concurrency)
        everything = args.orders + WARMUP + args.concurrency
        await run.start_worker(everything)
        await parked_phase(run, args, figures)
        await cached_phase(run, args, figures)
        await evicted_phase(run, args, figures)
        await drain_phase(run, figures)
    figures["bench minutes"] = (time.perf_counter() - started) / 60
    print(f"the whole run took {figures['bench minutes']:.1f} minutes")
    results.record("open_orders", vars(args), figures, headline(args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=5000, help="orders parked after the warm-up")
    parser.add_argument("--cache", type=int, default=1000, help="the restarted worker's max_cached_workflows")
    parser.add_argument("--sample", type=int, default=500, help="orders released before the restart")
    parser.add_argument("--concurrency", type=int, default=24)
    asyncio.run(main(parser.parse_args()))
