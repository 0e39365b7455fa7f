"""A worker on the time-skipping server, on a task queue of the test's own; `env` is the
server, the task queue and the database (tests/support/workflow_orders.py drives orders)."""

from __future__ import annotations

import uuid

import pytest
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from worker import build_worker


@pytest.fixture
async def env(time_skipping_env: WorkflowEnvironment, db, settings: Settings):
    task_queue = f"orders-{uuid.uuid4().hex[:6]}"
    async with build_worker(time_skipping_env.client, db, settings, task_queue=task_queue):
        yield time_skipping_env, task_queue, db
