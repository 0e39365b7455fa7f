"""Shared fixtures: a fresh PostgreSQL database per run, the Temporal servers from their
PyPI wheels, and helpers to make catalog data that belongs to one test only."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.dialects.postgresql import insert
from temporalio.testing import WorkflowEnvironment

from db import stock
from db.engine import Database
from db.models import PriceListPrice, Product
from db.seed import seed_demo_catalog
from providers.sandbox.smtp_sink import MailSink, start_sink
from runtime.temporal_client import dev_server_flags, ensure_search_attributes
from settings import Settings
from starter.dev.binaries import temporal_cli, temporal_test_server
from tests.support.codec import SECRETS, suite_converter
from tests.support.database import fresh_database, ledger_drift
from tests.support.ports import free_port

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _server_admin_url() -> Iterator[str]:
    """ORDINO_TEST_ADMIN_URL, else the local server on 5432, else an embedded pgserver."""
    url = os.environ.get("ORDINO_TEST_ADMIN_URL")
    if url:
        yield url
        return
    try:
        psycopg.connect(DEFAULT_ADMIN_URL, connect_timeout=3).close()
        yield DEFAULT_ADMIN_URL
        return
    except psycopg.OperationalError:
        pass
    import pgserver

    with tempfile.TemporaryDirectory(prefix="ordino-pg-") as tmp:
        server = pgserver.get_server(Path(tmp), cleanup_mode="stop")
        yield server.get_uri("postgres")
        server.cleanup()


@pytest.fixture(scope="session")
def admin_url() -> Iterator[str]:
    yield from _server_admin_url()


@pytest.fixture(scope="session")
def database_url(admin_url: str) -> Iterator[str]:
    """A database of this run's own, migrated, dropped at the end."""
    with fresh_database(admin_url) as url:
        yield url


@pytest.fixture(scope="session")
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, pool_size=20)
    seed_demo_catalog(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink]:
    """A local SMTP server the whole run sends customer mail to; tests read what arrived."""
    controller, sink = start_sink("127.0.0.1", free_port())
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def settings(database_url: str, mail_sink: MailSink) -> Settings:
    return Settings(
        dev_secrets_allowed=True,
        database_url=database_url,
        max_concurrent_activities=16,
        smtp_port=mail_sink.port,
        workflow_sandbox=True,  # the determinism guard: workflow code reading a clock fails here
        **SECRETS,  # type: ignore[arg-type]
    )


@pytest.fixture
def catalog(db: Database):
    """Make products that only this test uses, so tests never compete for stock."""

    def make(
        stock_by_warehouse: dict[str, int],
        price: str = "10.00",
        tax_class: str = "standard",
        weight_grams: int = 500,
    ) -> str:
        sku = f"T-{uuid.uuid4().hex[:10].upper()}"
        with db.transaction() as s:
            s.execute(
                insert(Product).values(
                    sku=sku, name=f"Test product {sku}", tax_class=tax_class, weight_grams=weight_grams
                )
            )
            s.execute(insert(PriceListPrice).values(price_list="BASE-EUR", sku=sku, amount=Decimal(price)))
            for warehouse, qty in stock_by_warehouse.items():
                stock.receive(s, sku, warehouse, qty, reference=f"test-{sku}")
        return sku

    return make


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=suite_converter()
    )
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=dev_server_flags(),
        data_converter=suite_converter(),
    )
    yield env
    await env.shutdown()


@pytest.fixture(autouse=True)
def ledger_balances(request: pytest.FixtureRequest):
    """After every test that touched the database: on hand and reserved equal the sums of
    the stock ledger, for every SKU and warehouse."""
    yield
    if "db" not in request.fixturenames:
        return
    drift = ledger_drift(request.getfixturevalue("db"))
    assert drift == [], f"stock levels differ from the ledger: {drift}"


# Folders whose tests need PostgreSQL and a Temporal server; `pytest -m "not integration"`
# is the fast loop without them. The browser's also need Chromium: `-m browser` picks them.
SERVER_FOLDERS = ("integration", "workflows", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent.name in SERVER_FOLDERS:
            item.add_marker(pytest.mark.integration)
        if item.path.parent.name == "browser":
            item.add_marker(pytest.mark.browser)
