"""The support console over HTTP, as a browser without JavaScript uses it: signing in and
out, the session's end, forged forms, the order list's search and filters, the order page
and its documents. tests/browser/ drives the same pages in Chromium."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from db import api_keys
from domain.access import Role
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.console import BASE, console
from tests.support.keys import KeyRing, api_client
from worker import build_worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def shop(dev_env: WorkflowEnvironment, db, settings: Settings):
    shop_settings = settings.model_copy(
        update={"task_queue": f"console-{uuid.uuid4().hex[:6]}", "return_window": timedelta(days=1)}
    )
    app = create_app(shop_settings, Services(shop_settings, dev_env.client, db))
    keys = KeyRing(db)
    async with build_worker(dev_env.client, db, shop_settings), api_client(app, db, keys) as api:
        yield app, api, keys


async def test_a_page_asks_to_sign_in_first_and_comes_back_after(shop):
    app, _, keys = shop
    async with console(app, keys, role=None) as page:
        asked = await page.client.get("/console/orders?status=shipped")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/console/sign-in?then=/console/orders%3Fstatus%3Dshipped"
        form = await page.get(asked.headers["location"])
        assert 'name="then" value="/console/orders?status=shipped"' in form.text
        assert '<label for="api_key">' in form.text

        signed = await page.client.post(
            "/console/sign-in",
            data={"api_key": keys.key(Role.SUPPORT), "then": "/console/orders?status=shipped"},
            headers={"origin": BASE},
        )
        assert signed.status_code == 303
        assert signed.headers["location"] == "/console/orders?status=shipped"
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
        assert keys.key(Role.SUPPORT) not in signed.headers["set-cookie"], "the cookie is not the key"
        listed = await page.get("/console/orders")
        assert listed.status_code == 200 and "test-support" in listed.text


@pytest.mark.parametrize(
    ("key", "status", "says"),
    [
        ("ordino_000000000000_" + "x" * 43, 401, "unknown or revoked"),
        (Role.CHANNEL, 403, "A channel key cannot sign in"),
        (Role.WAREHOUSE, 403, "A warehouse key cannot sign in"),
    ],
)
async def test_only_people_sign_in(shop, key, status, says):
    app, _, keys = shop
    secret = keys.key(key, "webshop" if key is Role.CHANNEL else "MIL") if isinstance(key, Role) else key
    async with console(app, keys, role=None) as page:
        refused = await page.sign_in(secret)
        assert refused.status_code == status
        assert says in refused.text
        assert "set-cookie" not in refused.headers
        assert (await page.client.get("/console/orders")).status_code == 303


async def test_a_sign_in_from_another_site_is_refused(shop):
    app, _, keys = shop
    async with console(app, keys, role=None) as page:
        forged = await page.client.post(
            "/console/sign-in",
            data={"api_key": keys.key(Role.SUPPORT)},
            headers={"origin": "https://evil.example"},
        )
        assert forged.status_code == 403 and "set-cookie" not in forged.headers


async def test_after_sign_in_the_page_goes_nowhere_but_the_console(shop):
    app, _, keys = shop
    async with console(app, keys, role=None) as page:
        for then in ("https://evil.example/", "//evil.example/console/", "/docs"):
            form = {"api_key": keys.key(Role.SUPPORT), "then": then}
            signed = await page.client.post("/console/sign-in", data=form, headers={"origin": BASE})
            assert signed.headers["location"] == "/console/orders"


async def test_a_form_without_the_session_token_is_refused(shop):
    app, _, keys = shop
    async with console(app, keys) as page:
        forged = await page.post("/console/sign-out", {"csrf_token": "not-the-token"})
        assert forged.status_code == 403
        assert "did not come from the console" in forged.text
        assert (await page.get("/console/orders")).status_code == 200, "still signed in"


async def test_sign_out_ends_the_session_even_for_a_copied_cookie(shop):
    app, _, keys = shop
    async with console(app, keys) as page:
        copied = dict(page.client.cookies)
        out = await page.post("/console/sign-out")
        assert out.status_code == 303 and out.headers["location"] == "/console/sign-in?signed_out=true"
        assert "You are signed out" in (await page.get(out.headers["location"])).text
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE, cookies=copied
        ) as thief:
            assert (await thief.get("/console/orders")).status_code == 303


async def test_revoking_the_key_ends_its_sessions(shop, db):
    app, _, _ = shop
    keys = KeyRing(db)  # a key of this test's own, revoked below
    async with console(app, keys) as page:
        assert (await page.get("/console/orders")).status_code == 200
        key_id = keys.key(Role.SUPPORT).split("_")[1]
        api_keys.revoke(db, key_id)
        assert (await page.client.get("/console/orders")).status_code == 303


async def test_an_expired_session_asks_to_sign_in_again(dev_env, db, settings):
    brief = settings.model_copy(update={"console_session": timedelta(seconds=-1)})
    app = create_app(brief, Services(brief, dev_env.client, db))
    keys = KeyRing(db)
    async with console(app, keys, role=None) as page:
        assert (await page.sign_in(keys.key(Role.SUPPORT))).status_code == 303
        assert (await page.client.get("/console/orders")).status_code == 303


async def test_search_finds_an_order_by_what_people_quote(shop, catalog):
    app, api, keys = shop
    sku = catalog({"MIL": 10})
    tag = uuid.uuid4().hex[:8]
    customer = {"id": f"cust-{tag}", "email": f"grace.{tag}@example.com", "name": f"Grace Hopper {tag}"}
    placed = await api.post("/orders", json=order_body([(sku, 1)], customer=customer))
    assert placed.status_code == 201, placed.text
    order_id, external_id = placed.json()["order_id"], placed.json()["external_id"]
    order = await wait_for_status(api, order_id, "shipped")
    tracking, invoice = order["shipments"][0]["tracking_number"], order["invoices"][0]["number"]
    other = await api.post("/orders", json=order_body([(sku, 1)], channel="marketplace"))
    assert other.status_code == 201

    async with console(app, keys) as page:
        for quoted in (order_id, external_id, f"GRACE.{tag}", f"Hopper {tag}", tracking, invoice):
            found = await page.get("/console/orders", q=quoted)
            assert f'href="/console/orders/{order_id}"' in found.text, quoted
            assert "1 order<" in found.text, quoted
        by_channel = await page.get("/console/orders", q=f"grace.{tag}", channel="marketplace")
        assert "0 orders" in by_channel.text
        nothing = await page.get("/console/orders", q="100%_sure")  # LIKE's wildcards are text
        assert "0 orders" in nothing.text


async def test_filters_and_pages(shop, catalog):
    app, api, keys = shop
    sku = catalog({"MIL": 40})
    tag = uuid.uuid4().hex[:8]
    customer = {"id": f"c-{tag}", "email": f"page.{tag}@example.com", "name": "Paged"}
    ids = []
    for _ in range(27):
        placed = await api.post("/orders", json=order_body([(sku, 1)], customer=customer))
        ids.append(placed.json()["order_id"])
    async with console(app, keys) as page:
        first = await page.get("/console/orders", q=f"page.{tag}")
        assert "27 orders" in first.text and "Page 1 of 2" in first.text
        assert first.text.count('href="/console/orders/') == 25
        second = await page.get("/console/orders", q=f"page.{tag}", page=2)
        assert second.text.count('href="/console/orders/') == 2
        oldest = await page.get("/console/orders", q=f"page.{tag}", sort="oldest")
        assert oldest.text.index(ids[0]) < oldest.text.index(ids[1])
        future = await page.get("/console/orders", q=f"page.{tag}", placed_from="2999-01-01")
        assert "0 orders" in future.text
        late = await page.get("/console/orders", q=f"page.{tag}", flag="late")
        assert "0 orders" in late.text


async def test_the_order_page_tells_the_whole_story(shop, catalog):
    app, api, keys = shop
    sku = catalog({"MIL": 5}, price="19.90")
    placed = await api.post("/orders", json=order_body([(sku, 2)]))
    order = await wait_for_status(api, placed.json()["order_id"], "shipped")
    invoice, tracking = order["invoices"][0]["number"], order["shipments"][0]["tracking_number"]
    async with console(app, keys) as page:
        shown = await page.get(f"/console/orders/{order['id']}")
        assert shown.status_code == 200
        text = shown.text
        assert sku in text and "39.80 EUR" in text
        assert f"/console/invoices/{invoice}.pdf" in text and tracking in text
        assert "Order confirmed" in text or "customer notified" in text
        assert f"/workflows/order-{order['id']}" in text
        pdf = await page.client.get(f"/console/invoices/{invoice}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        label = await page.client.get(f"/console/labels/{tracking}.pdf")
        assert label.status_code == 200 and label.content.startswith(b"%PDF")
        missing = await page.get("/console/orders/no-such-order")
        assert missing.status_code == 404 and "No order no-such-order" in missing.text
