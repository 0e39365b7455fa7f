"""The tests run workflows in Temporal's sandbox (settings.workflow_sandbox), which the
worker runs without: workflow code that reads the clock fails here, not in production."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.support.clock_reading_workflow import ReadsTheClock
from worker import workflow_runner


async def test_workflow_code_reading_the_clock_fails_under_the_tests_settings(
    time_skipping_env: WorkflowEnvironment, settings: Settings
) -> None:
    queue = f"guard-{uuid.uuid4().hex[:6]}"
    runner = workflow_runner(settings.workflow_sandbox)
    async with Worker(
        time_skipping_env.client, task_queue=queue, workflows=[ReadsTheClock], workflow_runner=runner
    ):
        with pytest.raises(WorkflowFailureError) as failed:
            await time_skipping_env.client.execute_workflow(ReadsTheClock.run, id=queue, task_queue=queue)
    refusal = failed.value.cause
    assert isinstance(refusal, ApplicationError) and refusal.type == "RestrictedWorkflowAccessError"
    assert "datetime.now" in str(refusal)  # with what it read
