"""CPU time of an order's workflow side: each recorded history in tests/histories/ replayed
by the worker's workflow runner, without and with Temporal's sandbox. The unsandboxed
replay is the baseline the others are a ratio of, measured in the same run.

    .venv/bin/python -m bench.workflow_replay [--replays 20]

A replay runs the workflow code and the SDK's side of every workflow task of the order's
life (decoding, the payload codec, the commands) without a server or activities, so it is
what the worker spends on the workflow for one order, whatever else the machine does (CPU
time of this process).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, WorkflowRunner

from tests.support.codec import suite_converter
from worker import WORKFLOWS, workflow_runner

HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"
RUNNERS = {"unsandboxed (the worker)": False, "sandboxed (the tests)": True}


async def cpu_per_replay(runner: WorkflowRunner, history: WorkflowHistory, replays: int) -> float:
    replayer = Replayer(workflows=WORKFLOWS, workflow_runner=runner, data_converter=suite_converter())
    await replayer.replay_workflow(history)  # the first one pays for what is cached after
    start = time.process_time()
    for _ in range(replays):
        await replayer.replay_workflow(history)
    return (time.process_time() - start) * 1000 / replays


async def main(args: argparse.Namespace) -> None:
    names = args.history or ["order_completed", "order_changed", "order_parcel_damaged_refunded"]
    print(f"{'history':<32}" + "".join(f"{label:>28}" for label in RUNNERS))
    for name in names:
        history = WorkflowHistory.from_json(name, (HISTORIES / f"{name}.json").read_text())
        figures = [
            await cpu_per_replay(workflow_runner(sandboxed), history, args.replays)
            for sandboxed in RUNNERS.values()
        ]
        base = figures[0]
        print(f"{name:<32}" + "".join(f"{ms:>14.1f} ms (x{ms / base:4.2f})" for ms in figures), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replays", type=int, default=20)
    parser.add_argument("--history", action="append", help="a history's name (default: three of them)")
    asyncio.run(main(parser.parse_args()))
