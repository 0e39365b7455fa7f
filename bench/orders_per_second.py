"""End-to-end order throughput and acceptance latency, against a bare Temporal workflow of
8 no-op activities measured on the same server in the same run.

    .venv/bin/python -m bench.orders_per_second [--orders 300] [--concurrency 24] [--workers 2]

Orders go POST /orders -> accepted -> paid -> invoiced -> booked; the sandbox carrier posts
its tracking events to the webhook as soon as a parcel is booked, and the return window is
zero, so an order is done when its workflow completes. Each side runs twice, interleaved,
and the better round counts, so one noisy moment on a shared machine does not decide.
With --workers N, each round also runs the orders on N order workers (one process each, as
`docker compose up --scale worker=N` would) and the throughput is compared with one.
Results: bench/results/ (bench/results.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from dataclasses import dataclass, field

import httpx
import psutil

from bench import results
from bench.bare_workflow import TASK_QUEUE as BARE_QUEUE
from bench.bare_workflow import BareWorkflow
from bench.stack import (
    ADMIN_URL,
    CLI,
    Stack,
    bench_stack,
    closed_loop,
    cpu_ms_per,
    cpu_seconds,
    open_loop,
    order,
    percentile,
    print_cpu,
)
from contracts.ids import order_workflow_id
from workflows.order import OrderWorkflow

SETTINGS = {
    "ORDINO_RETURN_WINDOW": "PT0S",
    "ORDINO_CARRIER_STEP_DELAY": "PT0S",
    "ORDINO_CARRIER_POLL_INTERVAL": "PT0.05S",
    "ORDINO_CARRIER_JOURNEY": '["delivered"]',
    # The sandbox warehouse packs at once; the feedback request goes out at delivery.
    "ORDINO_PACK_DELAY": "PT0S",
    "ORDINO_FEEDBACK_DELAY": "PT0S",
}
# What the infrastructure must do for an order whatever Ordino's code does.
FLOOR = ("temporal server", "postgres")
MORE_WORKERS = "order workers 2..N"


@dataclass
class Round:
    """One measured side of a round: its rate and CPU per job by process group."""

    rate: float
    cpu_ms: dict[str, float]
    cores_busy: float  # the whole machine's, other load included

    @property
    def total_ms(self) -> float:
        return sum(self.cpu_ms.values())

    @property
    def floor_ms(self) -> float:
        return sum(self.cpu_ms.get(group, 0.0) for group in FLOOR)


@dataclass
class Orders:
    stack: Stack
    api: httpx.AsyncClient
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    counter: int = 0

    def body(self) -> dict[str, object]:
        self.counter += 1
        return order(self.counter, self.run)

    async def place(self, n: int) -> float:
        """POST one order; how long until it was accepted."""
        t = time.perf_counter()
        r = await self.api.post("/orders", json=self.body())
        latency = time.perf_counter() - t
        if r.status_code != 201:
            raise RuntimeError(f"order refused: {r.status_code} {r.text}")
        return latency

    async def complete(self, n: int) -> None:
        """POST one order and wait for its workflow to complete."""
        r = await self.api.post("/orders", json=self.body())
        if r.status_code != 201:
            raise RuntimeError(f"order refused: {r.status_code} {r.text}")
        wid = order_workflow_id(r.json()["order_id"])
        outcome = await self.stack.client.get_workflow_handle_for(OrderWorkflow.run, wid).result()
        if outcome.status != "completed":
            raise RuntimeError(f"{wid} ended {outcome.status}")

    async def bare(self, n: int) -> None:
        self.counter += 1
        await self.stack.client.execute_workflow(
            BareWorkflow.run, id=f"bare-{self.run}-{self.counter}", task_queue=BARE_QUEUE
        )


async def measured(stack: Stack, args: argparse.Namespace, one: Orders, job: str) -> Round:
    machine0, cpu0 = psutil.cpu_times(), cpu_seconds(stack.groups())
    run = one.bare if job == "bare" else one.complete
    rate = await closed_loop(args.orders, args.concurrency, run)
    machine1, cpu1 = psutil.cpu_times(), cpu_seconds(stack.groups())
    busy = (machine1.user + machine1.system) - (machine0.user + machine0.system)
    wall = args.orders / rate
    return Round(rate, cpu_ms_per(cpu0, cpu1, args.orders), busy / wall)


def report_round(label: str, r: Round, per: str) -> None:
    print(f"  {label}: {r.rate:.1f}/s, machine busy {r.cores_busy:.2f} of {psutil.cpu_count()} cores")
    print_cpu(per, r.cpu_ms)
    if per == "order":
        print(
            f"    the floor (Temporal server + PostgreSQL) {r.floor_ms:.1f} ms; "
            f"total / floor {r.total_ms / r.floor_ms:.2f}"
        )


async def with_more_workers(stack: Stack, args: argparse.Namespace, one: Orders) -> Round:
    """The orders on N order workers: N - 1 more started for the round, stopped after it."""
    for _ in range(args.workers - 1):
        await stack.start_worker(MORE_WORKERS)
    try:
        return await measured(stack, args, one, "orders")
    finally:
        stack.stop(MORE_WORKERS)  # idle by now: every order of the round has completed


async def rounds(stack: Stack, args: argparse.Namespace, one: Orders) -> dict[str, list[Round]]:
    sides: dict[str, list[Round]] = {"bare": [], "orders": [], "scaled": []}
    for n in (1, 2):
        print(f"round {n}:", flush=True)
        sides["bare"].append(await measured(stack, args, one, "bare"))
        report_round("bare workflow", sides["bare"][-1], "bare workflow")
        sides["orders"].append(await measured(stack, args, one, "orders"))
        report_round("orders, 1 order worker", sides["orders"][-1], "order")
        if args.workers > 1:
            sides["scaled"].append(await with_more_workers(stack, args, one))
            report_round(f"orders, {args.workers} order workers", sides["scaled"][-1], "order")
    return sides


def best(side: list[Round]) -> Round:
    return max(side, key=lambda r: r.rate)


def figures(
    args: argparse.Namespace, sides: dict[str, list[Round]], latencies: list[float]
) -> dict[str, float]:
    bare, orders = best(sides["bare"]), best(sides["orders"])
    out = {
        "bare workflows per second": bare.rate,
        "orders per second": orders.rate,
        "ratio orders / bare": orders.rate / bare.rate,
        "CPU ms per order": orders.total_ms,
        "floor ms per order (Temporal + PostgreSQL)": orders.floor_ms,
        "total / floor": orders.total_ms / orders.floor_ms,
        "CPU ms per bare workflow": bare.total_ms,
        "acceptance p50 ms": percentile(latencies, 50),
        "acceptance p99 ms": percentile(latencies, 99),
    }
    out |= {f"CPU ms per order: {group}": ms for group, ms in orders.cpu_ms.items()}
    if sides["scaled"]:
        scaled = best(sides["scaled"])
        out |= {
            f"orders per second, {args.workers} workers": scaled.rate,
            f"throughput {args.workers} workers / 1": scaled.rate / orders.rate,
            f"CPU ms per order, {args.workers} workers": scaled.total_ms,
            f"cores busy, {args.workers} workers": scaled.cores_busy,
            "cores busy, 1 worker": orders.cores_busy,
        }
    return out


HEADLINE = ["orders per second", "ratio orders / bare", "CPU ms per order",
            "floor ms per order (Temporal + PostgreSQL)", "total / floor", "acceptance p99 ms"]  # fmt: skip


def summary(args: argparse.Namespace, f: dict[str, float], latencies: list[float]) -> None:
    print()
    print(f"machine: {psutil.cpu_count()} cores; Temporal dev server (in memory), PostgreSQL at {ADMIN_URL}")
    print(f"{'bare workflow, 8 no-op activities':<40} {f['bare workflows per second']:8.1f} workflows/s")
    print(f"{'orders, POST to completed':<40} {f['orders per second']:8.1f} orders/s")
    print(f"{'ratio orders / bare':<40} {f['ratio orders / bare']:8.2f}")
    print(
        f"{'CPU per order':<40} {f['CPU ms per order']:8.1f} ms, the floor "
        f"{f['floor ms per order (Temporal + PostgreSQL)']:.1f} ms, total / floor {f['total / floor']:.2f}"
    )
    if args.workers > 1:
        n = args.workers
        print(
            f"{f'orders on {n} order workers':<40} {f[f'orders per second, {n} workers']:8.1f} orders/s, "
            f"{f[f'throughput {n} workers / 1']:.2f} times one worker's"
        )
    print(
        f"acceptance latency at {f['orders per second'] / 2:.1f} orders/s over {len(latencies)} orders: "
        f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
        f"p99 {percentile(latencies, 99):.0f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    async with bench_stack(SETTINGS) as stack, stack.api("channel") as api:
        await stack.start_worker()
        stack.start("carrier", [*CLI, "carrier"])
        stack.start("warehouse", [*CLI, "warehouse"])
        stack.start("bare worker", [sys.executable, "-m", "bench.bare_workflow"])
        one = Orders(stack, api)

        print(f"warming up ({args.concurrency} in flight)…", flush=True)
        await closed_loop(args.concurrency * 2, args.concurrency, one.complete)
        await closed_loop(args.concurrency * 2, args.concurrency, one.bare)
        sides = await rounds(stack, args, one)

        half = best(sides["orders"]).rate / 2
        print(f"acceptance latency at half the maximum order rate ({half:.1f}/s)…", flush=True)
        latencies = [x * 1000 for x in await open_loop(half, args.latency_seconds, one.place)]
    f = figures(args, sides, latencies)
    summary(args, f, latencies)
    headline = HEADLINE + ([f"throughput {args.workers} workers / 1"] if args.workers > 1 else [])
    results.record("orders_per_second", vars(args), f, headline)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--latency-seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=1, help="also run the orders on this many workers")
    asyncio.run(main(parser.parse_args()))
