"""The short chaos run of the suite: the whole stack as separate processes with its own
PostgreSQL and file-backed Temporal, a few dozen orders (split parcels, payment timeouts and
processing errors, many cancellations while parcels travel), kill -9 of every process the long
run kills (the worker and the Temporal server among them), then the books.
The long run is `python -m bench.chaos`; see docs/reliability.md."""

from __future__ import annotations

import pytest

from bench.chaos.kills import TARGETS, KillPlan
from bench.chaos.load import Mix
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
        seconds=40,
        seed=8,
        # A shuffled first round hits every target once, then two more at random.
        kills=KillPlan(targets=TARGETS, gap=(2.0, 4.0), down=(0.5, 3.0), limit=len(TARGETS) + 2),
        # Heavy on whole cancellations of split orders while they travel: their workflow task
        # is the longest, so a tracking signal of the carrier most often lands in it.
        mix=Mix(split=0.6, early=0.05, whole_single=0.4, whole_split=0.45, parcel=0.3),
        drain_seconds=35,
        progress=False,
    )
    result = await run_chaos(config)
    report = render_text(result)
    print(report)  # the kills, the orders and each invariant with its offending orders
    assert {"worker", "temporal", "postgres"} <= {k.target for k in result.kills}
    assert [o.order_id for o in result.outcomes if o.status_code is None] == []
    assert result.checks
    assert [c.name for c in result.violations] == [], "see the report in the captured stdout"
