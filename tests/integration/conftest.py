"""The real thing: the Temporal dev server, a worker, PostgreSQL and the HTTP API."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from settings import Settings, get_settings
from starter.cli import app
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.codec import SECRETS_ENV
from tests.support.keys import api_client
from tests.support.packing import warehouse_packing
from worker import build_worker


@pytest.fixture(scope="module")
async def stack(dev_env: WorkflowEnvironment, db, settings: Settings):
    """A worker on its own task queue and an API client that talks to it."""
    stack_settings = settings.model_copy(
        update={
            "task_queue": f"orders-{uuid.uuid4().hex[:6]}",
            "return_window": timedelta(0),
            "carrier_step_delay": timedelta(0),
            "feedback_delay": timedelta(0),
        }
    )
    app = create_app(stack_settings, Services(stack_settings, dev_env.client, db))
    async with (
        build_worker(dev_env.client, db, stack_settings),
        api_client(app, db) as api,
    ):
        yield api, dev_env.client, stack_settings


@pytest.fixture(scope="module", autouse=True)
async def warehouse_packs(dev_env: WorkflowEnvironment, db):
    """The sandbox warehouse packs every order as soon as it is picked."""
    async with warehouse_packing(dev_env.client, db):
        yield


@pytest.fixture
def ordino(database_url, dev_env, monkeypatch):
    """Run `ordino ...` against the test database and dev server; answers the click result."""
    monkeypatch.setenv("ORDINO_DATABASE_URL", database_url)
    monkeypatch.setenv("ORDINO_TEMPORAL_ADDRESS", dev_env.client.service_client.config.target_host)
    monkeypatch.setenv("COLUMNS", "200")
    for name, value in SECRETS_ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args))

    yield run
    get_settings.cache_clear()
