"""The console's queues and internal notes over HTTP, signed in as a browser without
JavaScript would be: every queue with its count and links to the orders; acknowledging and
resolving an alert after a confirmation, with the refusal shown where the alert is; and a
note added from the order's page."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from db import api_keys
from domain.access import Role
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import delivered_order, wait_for_status
from tests.support.bodies import order_body
from tests.support.console import console
from tests.support.keys import KeyRing, api_client
from tests.support.webhooks import post_signed
from worker import build_worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def shop(dev_env: WorkflowEnvironment, db, settings: Settings):
    """A worker and the app; orders stay open a day after delivery, for returns."""
    shop_settings = settings.model_copy(
        update={"task_queue": f"queues-{uuid.uuid4().hex[:6]}", "return_window": timedelta(days=1)}
    )
    app = create_app(shop_settings, Services(shop_settings, dev_env.client, db))
    keys = KeyRing(db)
    async with build_worker(dev_env.client, db, shop_settings), api_client(app, db, keys) as api:
        yield app, api, keys, shop_settings


async def open_alert(api, order_id: str, kind: str) -> dict:
    for _ in range(200):
        found = (await api.get("/support/alerts", params={"kind": kind, "limit": 200})).json()
        if mine := [a for a in found if a["order_id"] == order_id]:
            return mine[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} alert for {order_id}")


async def held_order(api, catalog) -> tuple[str, dict]:
    """An order on hold: the carrier refused its address (an alert only its fix resolves)."""
    body = order_body([(catalog({"MIL": 2}), 1)])
    body["shipping_address"]["line1"] = "Nowhere 0 UNDELIVERABLE"
    order_id = (await api.post("/orders", json=body)).json()["order_id"]
    await wait_for_status(api, order_id, "on_hold")
    return order_id, await open_alert(api, order_id, "undeliverable_address")


async def lost_parcel_order(api, settings, catalog) -> tuple[str, dict]:
    """An order whose parcel the carrier lost (an alert support resolves by hand)."""
    order_id = (await api.post("/orders", json=order_body([(catalog({"MIL": 3}), 1)]))).json()["order_id"]
    tn = (await wait_for_status(api, order_id, "shipped"))["shipments"][0]["tracking_number"]
    event = {
        "event_id": f"{tn}-lost",
        "tracking_number": tn,
        "status": "lost",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    assert (await post_signed(api, settings, "/webhooks/carrier", event)).status_code == 202
    return order_id, await open_alert(api, order_id, "lost")


def row_of(page: str, alert_id: int) -> str:
    """The table row of one alert on the queues page."""
    found = re.search(rf'<tr id="alert-{alert_id}">(.*?)</tr>', page, re.S)
    assert found, f"alert {alert_id} is not on the page"
    return found.group(1)


def count_of(page: str, queue: str) -> str:
    found = re.search(rf'data-count="{queue}">([^<]+)<', page)
    assert found, f"no count for {queue}"
    return found.group(1)


async def test_every_queue_shows_its_count_and_links_to_the_orders(shop, catalog):
    app, api, keys, settings = shop
    held, _ = await held_order(api, catalog)
    scarce = catalog({"MIL": 1})
    waiting = (await api.post("/orders", json=order_body([(scarce, 3)], channel="phone"))).json()
    assert waiting["backordered"] == {scarce: 2}
    sku = catalog({"MIL": 3}, price="80.00")
    delivered = await delivered_order(api, settings, [(sku, 2)])
    # Worth 160.00 and the customer's mind changed: above the rules' limit, support decides.
    lines = [{"sku": sku, "quantity": 2, "reason": "changed_mind"}]
    asked = await api.post(
        f"/orders/{delivered['id']}/returns", json={"reference": "RMA-QUEUE", "lines": lines}
    )
    assert asked.json()["status"] == "requested"

    async with console(app, keys, Role.SUPPORT) as page:
        queues = await page.get("/console/queues")
        assert queues.status_code == 200, queues.text
        text = queues.text
        for queue in ("alerts", "decisions", "parcels", "backorders", "low_stock"):
            assert int(count_of(text, queue).rstrip("+")) >= 0
        assert int(count_of(text, "alerts")) >= 1 and int(count_of(text, "decisions")) >= 1
        for order_id in (held, waiting["order_id"], delivered["id"]):
            assert f'href="/console/orders/{order_id}"' in text
        assert re.search(rf"<code>{scarce}</code></td><td>MIL</td>.*?<strong>2</strong>", text, re.S), (
            "reorder 2"
        )

        # Filtered to what nobody is on yet, of another channel: the held order is not there.
        filtered = await page.get("/console/queues", kind="undeliverable_address", channel="marketplace")
        assert f'href="/console/orders/{held}"' not in filtered.text

    # Finance reads the returns, not support's alerts nor the stock.
    async with console(app, keys, Role.FINANCE) as page:
        text = (await page.get("/console/queues")).text
        assert 'data-count="decisions"' in text and f'href="/console/orders/{delivered["id"]}"' in text
        assert 'data-count="alerts"' not in text and 'data-count="backorders"' not in text


async def test_an_alert_is_acknowledged_then_resolved_after_a_confirmation(shop, db, catalog):
    app, api, keys, settings = shop
    order_id, lost = await lost_parcel_order(api, settings, catalog)
    _, address = await held_order(api, catalog)
    colleague = api_keys.create(db, "bo", Role.SUPPORT)[1]

    async with console(app, keys, Role.SUPPORT) as page:
        row = row_of((await page.get("/console/queues")).text, lost["id"])
        assert "nobody yet" in row and "<summary>Acknowledge…</summary>" in row and "Resolve…" in row
        acked = await page.post(f"/console/queues/alerts/{lost['id']}/acknowledge")
        assert acked.status_code == 303 and acked.headers["location"].endswith(f"#alert-{lost['id']}")
        row = row_of((await page.get("/console/queues")).text, lost["id"])
        assert "test-support (support)" in row and "Acknowledge…" not in row

        # A reason too short: refused where the alert is, with its code; nothing changes.
        short = await page.post(f"/console/queues/alerts/{lost['id']}/resolve", {"reason": "ok"})
        assert short.status_code == 422
        assert "<code>invalid_body</code>" in row_of(short.text, lost["id"])

        # The held address is resolved by its fix: no resolve offered, and a forced one refused.
        held_row = row_of(short.text, address["id"])
        assert "Resolve…" not in held_row and "correcting the address" in held_row
        forced = await page.post(f"/console/queues/alerts/{address['id']}/resolve", {"reason": "called them"})
        assert forced.status_code == 409
        assert "<code>alert_cause_stands</code>" in row_of(forced.text, address["id"])

        done = await page.post(
            f"/console/queues/alerts/{lost['id']}/resolve", {"reason": "carrier claim filed"}
        )
        assert done.status_code == 303
        assert f'id="alert-{lost["id"]}"' not in (await page.get("/console/queues")).text

    # A colleague whose page was older tries the same: told who resolved it.
    async with console(app, keys, role=None) as other:
        assert (await other.sign_in(colleague)).status_code == 303
        await other.get("/console/queues")
        late = await other.post(
            f"/console/queues/alerts/{lost['id']}/resolve", {"reason": "replacement sent"}
        )
        assert late.status_code == 409
        assert "<code>alert_already_resolved</code>" in late.text and "test-support (support)" in late.text
    timeline = (await api.get(f"/orders/{order_id}")).json()["timeline"]
    resolutions = [e for e in timeline if e["type"] == "alert_resolved" and e["data"]["kind"] == "lost"]
    assert [(e["actor"], e["reason"]) for e in resolutions] == [
        ("test-support (support)", "carrier claim filed")
    ]


async def test_only_support_handles_alerts_and_only_with_the_pages_token(shop, catalog):
    app, api, keys, settings = shop
    _, lost = await lost_parcel_order(api, settings, catalog)
    async with console(app, keys, Role.FINANCE) as page:
        refused = await page.post(f"/console/queues/alerts/{lost['id']}/acknowledge")
        assert refused.status_code == 403
    async with console(app, keys, Role.SUPPORT) as page:
        forged = await page.post(f"/console/queues/alerts/{lost['id']}/acknowledge", {"csrf_token": "forged"})
        assert forged.status_code == 403
    assert (await api.get(f"/support/alerts/{lost['id']}")).json()["acknowledged_by"] is None


async def test_a_note_added_on_the_order_page_shows_in_its_timeline(shop, catalog):
    app, api, keys, _ = shop
    order_id = (await api.post("/orders", json=order_body([(catalog({"MIL": 2}), 1)]))).json()["order_id"]
    async with console(app, keys, Role.SUPPORT) as page:
        order_page = (await page.get(f"/console/orders/{order_id}")).text
        assert f'action="/console/orders/{order_id}/notes"' in order_page
        reference = re.search(r'name="reference" value="([^"]+)"', order_page).group(1)
        form = {"text": "Customer asked for gift wrap — 王芳", "reference": reference}
        added = await page.post(f"/console/orders/{order_id}/notes", form)
        assert added.status_code == 303 and added.headers["location"] == f"/console/orders/{order_id}#notes"
        assert (await page.post(f"/console/orders/{order_id}/notes", form)).status_code == 303  # sent twice
        shown = (await page.get(f"/console/orders/{order_id}")).text
        assert "Customer asked for gift wrap — 王芳" in shown and "test-support (support)" in shown

        empty = await page.post(f"/console/orders/{order_id}/notes", {"text": "  "})
        assert empty.status_code == 422 and "<code>invalid_body</code>" in empty.text
        assert "Customer asked for gift wrap" in empty.text  # the notes so far, and the form again
        missing = await page.post("/console/orders/webshop-NOPE-3/notes", {"text": "hello"})
        assert missing.status_code == 404 and "<code>order_not_found</code>" in missing.text
    notes = (await api.get(f"/orders/{order_id}/notes")).json()
    assert [(n["text"], n["author"]) for n in notes] == [
        ("Customer asked for gift wrap — 王芳", "test-support (support)")
    ]

    async with console(app, keys, Role.ADMIN) as page:
        await page.get("/console/queues")  # a page to take the token from
        refused = await page.post(f"/console/orders/{order_id}/notes", {"text": "admin was here"})
        assert refused.status_code == 403
