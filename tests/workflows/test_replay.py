"""Today's workflow code must replay the histories of the flows it runs: a change of flow
that is not guarded by workflow.patched() fails here (see docs/operations.md, Releases).
tests/support/histories.py says which flows are kept and how to record them."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support.codec import suite_converter
from tests.support.histories import HISTORIES, REQUIRED
from worker import WORKFLOWS, workflow_runner


@pytest.mark.parametrize("sandboxed", [False, True], ids=["worker's runner", "sandbox"])
@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path, sandboxed: bool):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=WORKFLOWS, data_converter=suite_converter(), workflow_runner=workflow_runner(sandboxed)
    )
    await replayer.replay_workflow(history)


def test_every_flow_a_release_runs_has_a_history():
    kept = {path.stem for path in HISTORIES.glob("*.json")}
    assert sorted(REQUIRED - kept) == []
    assert sorted(kept - REQUIRED) == []  # a history nobody asks for is kept by mistake
