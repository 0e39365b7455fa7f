"""The short chaos run of the suite: the whole stack as separate processes with its own
PostgreSQL and file-backed Temporal, a few dozen orders (split parcels, payment timeouts and
processing errors, cancellations while parcels travel), kill -9 of every process the long
run kills (the worker and the Temporal server among them), then the books.
The long run is `python -m bench.chaos`; see docs/reliability.md."""

from __future__ import annotations

import pytest

from bench.chaos.kills import TARGETS, KillPlan
from bench.chaos.report import render_text
from bench.chaos.run import ChaosConfig, run_chaos


@pytest.fixture(scope="module", autouse=True)
def warehouse_packs():
    """The chaos stack runs its own sandbox warehouse (and its own Temporal and PostgreSQL):
    the integration suite's in-process packing bench, and the servers it needs, stay off."""
    yield


async def test_orders_survive_kill_9_of_every_process():
    config = ChaosConfig(
        orders=30,
        seconds=35,
        seed=8,
        # A shuffled first round hits every target once, then one more at random.
        kills=KillPlan(targets=TARGETS, gap=(2.0, 4.0), down=(0.5, 2.0), limit=len(TARGETS) + 1),
        drain_seconds=45,
        progress=False,
    )
    result = await run_chaos(config)
    report = render_text(result)
    print(report)
    assert {"worker", "temporal", "postgres"} <= {k.target for k in result.kills}, report
    assert all(o.status_code is not None for o in result.outcomes), report
    assert result.checks and not result.violations, report
