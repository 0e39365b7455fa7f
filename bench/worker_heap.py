"""Where a parked order's memory is in the worker: runs the worker in this process, parks
orders through the API as bench/open_orders.py does, and compares tracemalloc snapshots
taken before and after, by file and by line. tracemalloc sees Python's objects only: the
rest of the worker's RSS growth is the SDK's core (Rust) and the C allocator.

    .venv/bin/python -m bench.worker_heap [--orders 200] [--frames 12]

tracemalloc slows the worker several times over, so orders are placed few at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import tracemalloc
from itertools import count

import psutil
from sqlalchemy import func, select

from bench.open_orders import SETTINGS, WARMUP
from bench.stack import bench_stack, closed_loop, order
from db.engine import Database
from db.models import Fulfillment
from settings import Settings
from worker import build_worker

KIB = 1024


async def parked(db: Database, total: int) -> None:
    """Until `total` orders are being picked, and a moment for their last tasks."""
    while True:
        with db.reader() as s:
            if (s.scalar(select(func.count()).where(Fulfillment.status == "picking")) or 0) >= total:
                break
        await asyncio.sleep(1)
    await asyncio.sleep(3)


def report(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, rss: int, n: int) -> None:
    by_file = after.compare_to(before, "filename")
    traced = sum(d.size_diff for d in by_file)
    print(
        f"per parked order: RSS {rss / n / KIB:.1f} KiB, Python objects (traced) {traced / n / KIB:.1f} KiB"
    )
    for key, top in (("filename", 15), ("lineno", 15)):
        print(f"\nby {key}:")
        for d in after.compare_to(before, key)[:top]:
            frame = d.traceback[0]
            where = frame.filename if key == "filename" else f"{frame.filename}:{frame.lineno}"
            print(f"  {d.size_diff / n / KIB:7.1f} KiB {d.count_diff / n:7.1f} blocks  {where}")


async def main(args: argparse.Namespace) -> None:
    async with bench_stack(SETTINGS) as stack, stack.api("channel") as api:
        os.environ.update(stack.child_env)
        settings = Settings().model_copy(update={"max_cached_workflows": args.orders + WARMUP + 100})
        db = Database(
            stack.child_env["ORDINO_DATABASE_URL"], pool_size=2 * settings.max_concurrent_activities
        )
        numbers = count()

        async def place(_: int) -> None:
            body = order(next(numbers), "heap")
            while (r := await api.post("/orders", json=body)).status_code == 503:
                pass  # update_timeout: the answer says to place it again as it was
            if r.status_code != 201:
                raise RuntimeError(f"order refused: {r.status_code} {r.text}")

        async with build_worker(stack.client, db, settings):
            await closed_loop(WARMUP, 24, place)
            await parked(db, WARMUP)
            gc.collect()
            tracemalloc.start(args.frames)
            rss, before = psutil.Process().memory_info().rss, tracemalloc.take_snapshot()
            await closed_loop(args.orders, 8, place)
            await parked(db, WARMUP + args.orders)
            gc.collect()
            after = tracemalloc.take_snapshot()
            rss = psutil.Process().memory_info().rss - rss
        report(before, after, rss, args.orders)
        db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--frames", type=int, default=12, help="frames tracemalloc keeps per block")
    asyncio.run(main(parser.parse_args()))
