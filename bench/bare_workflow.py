"""The baseline: a bare workflow of 8 sequential no-op activities, on its own worker."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

TASK_QUEUE = "bench-bare"
STEPS = 8


@activity.defn
async def noop(step: int) -> int:
    return step


@workflow.defn
class BareWorkflow:
    @workflow.run
    async def run(self) -> int:
        done = 0
        for step in range(STEPS):
            done += await workflow.execute_activity(noop, step, start_to_close_timeout=timedelta(seconds=30))
        return done


async def main() -> None:
    # No payload codec: the baseline is Temporal itself, not Ordino (its ints decode either way).
    client = await Client.connect(os.environ["ORDINO_TEMPORAL_ADDRESS"])
    worker = Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[BareWorkflow],
        activities=[noop],
        max_concurrent_activities=32,
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main())
