"""Orders live for weeks, so today's workflow code must replay the histories of orders
started by earlier code. tests/histories/ keeps recorded ones; a change that is not
guarded by workflow.patched() fails here.

Record new histories with: ORDINO_RECORD_HISTORIES=1 ./test.sh tests/workflows
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import WORKFLOWS, workflow_runner

HISTORIES = Path(__file__).parent.parent / "histories"


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=WORKFLOWS, data_converter=pydantic_data_converter, workflow_runner=workflow_runner()
    )
    await replayer.replay_workflow(history)


def test_there_are_histories_to_replay():
    assert len(list(HISTORIES.glob("*.json"))) >= 2
