"""The console in a real browser: the app served by uvicorn on a free port with a worker
behind it (as the integration stack, on the session's one event loop), and Debian's
Chromium driven by Playwright. A failing test leaves a screenshot of its page.

Warehouses pack when a test says so (an edit needs an order not packed yet), and a
delivered order stays in its return window for a day."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect
from temporalio.testing import WorkflowEnvironment

from db.engine import Database
from domain.access import Role
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import wait_for_event, wait_for_status
from tests.support.bodies import order_body
from tests.support.keys import KeyRing, api_client
from tests.support.ports import free_port
from tests.support.webhooks import post_signed
from worker import build_worker

# Debian's chromium, never a browser Playwright downloads; another one by this variable.
CHROMIUM = Path(os.environ.get("ORDINO_TEST_CHROMIUM", "/usr/bin/chromium"))
# Git-ignored: what failing tests saw, and the pages tests photograph on purpose.
SCREENSHOTS = Path(__file__).parent / "screenshots"
# How long a page may take to show what a test expects: room for a machine under load.
expect.set_options(timeout=10_000)


@dataclass
class LiveStack:
    """The console's address, an API client acting as whoever may make each request (to
    set the scene), the key ring the browser signs in with, and the stack's settings."""

    url: str
    api: httpx.AsyncClient
    keys: KeyRing
    db: Database
    settings: Settings

    async def place(self, lines: list[tuple[str, int]], **body: Any) -> dict[str, Any]:
        """An order placed by the web shop, paid and being picked."""
        placed = await self.api.post("/orders", json=order_body(lines, **body))
        assert placed.status_code == 201, placed.text
        return await wait_for_event(self.api, placed.json()["order_id"], "picking_started")

    async def pack(self, order: dict[str, Any]) -> None:
        """Its parcels packed: so captured, invoiced and booked (unless the carrier refuses)."""
        for warehouse in {r["warehouse"] for r in order["reservations"]}:
            packed = await self.api.post(f"/orders/{order['id']}/fulfillments/{warehouse}/packed", json={})
            assert packed.status_code == 200, packed.text

    async def ship(self, order: dict[str, Any]) -> dict[str, Any]:
        await self.pack(order)
        return await wait_for_status(self.api, order["id"], "shipped")

    async def deliver(self, order: dict[str, Any]) -> dict[str, Any]:
        """Shipped, and each parcel delivered as the carrier's webhook says."""
        shipped = await self.ship(order)
        for parcel in shipped["shipments"]:
            tn = parcel["tracking_number"]
            event = {"event_id": f"{tn}-delivered", "tracking_number": tn, "status": "delivered",
                     "occurred_at": datetime.now(UTC).isoformat()}  # fmt: skip
            posted = await post_signed(self.api, self.settings, "/webhooks/carrier", event)
            assert posted.status_code == 202, posted.text
        return await wait_for_status(self.api, order["id"], "delivered")


class _Server(uvicorn.Server):
    """Leaves the process's signals to pytest: uvicorn's own handlers would turn Ctrl-C (and
    SIGTERM) into stopping this server, for the rest of the run, instead of the run."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@pytest.fixture(scope="session")
async def live(dev_env: WorkflowEnvironment, db: Database, settings: Settings) -> AsyncIterator[LiveStack]:
    stack_settings = settings.model_copy(
        update={
            "task_queue": f"browser-{uuid.uuid4().hex[:6]}",
            "return_window": timedelta(days=1),
            "carrier_step_delay": timedelta(0),
            "feedback_delay": timedelta(0),
        }
    )
    app = create_app(stack_settings, Services(stack_settings, dev_env.client, db))
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    keys = KeyRing(db)
    async with build_worker(dev_env.client, db, stack_settings), api_client(app, db, keys) as api:
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()  # raises why it did not start
            await asyncio.sleep(0.02)
        yield LiveStack(f"http://127.0.0.1:{port}", api, keys, db, stack_settings)
        server.should_exit = True
        await serving


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's (or set ORDINO_TEST_CHROMIUM)")
    async with async_playwright() as playwright:
        # No sandbox: the suite runs as root in CI, where Chromium's sandbox refuses to start.
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A fresh browser context per test (no cookies carried over), laptop-sized."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    opened = await context.new_page()
    yield opened
    report = getattr(request.node, "call_report", None)
    if report is not None and report.failed:
        path = await screenshot(opened, f"failed/{request.node.name}")
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"\nscreenshot of the failing page: {path}")
    await context.close()


async def screenshot(page: Page, name: str) -> Path:
    """The whole page, under SCREENSHOTS/<name>.png; answers the path."""
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_/-]+', '_', name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def sign_in(live: LiveStack, page: Page):
    """Sign in on the console's own page with a key of this role (support unless told);
    answers once the order list shows."""

    async def as_role(role: Role = Role.SUPPORT) -> None:
        await page.goto(f"{live.url}/console/orders")
        await page.get_by_label("Your API key").fill(live.keys.key(role))
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", name="Orders")).to_be_visible()

    return as_role


@pytest.fixture
def snapshot(page: Page):
    """Photograph the page for people to look at: `await snapshot("orders")` saves
    SCREENSHOTS/pages/orders.png."""

    async def take(name: str) -> Path:
        return await screenshot(page, f"pages/{name}")

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Keep the test's own outcome on the item, for the page fixture's teardown to see."""
    report = yield
    if report.when == "call":
        item.call_report = report  # type: ignore[attr-defined]
    return report
