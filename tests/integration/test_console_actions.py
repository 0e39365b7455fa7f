"""Support's actions from the console's order page, each through a confirmation page and
the workflow update the API sends: an edit previewed then made, cancellations, refunds and
their refusals, and what a role is not offered. Warehouses pack only when a test says so."""

from __future__ import annotations

import re
import uuid

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.access import Role
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import wait_for_event, wait_for_status
from tests.support.bodies import order_body
from tests.support.console import console
from tests.support.keys import KeyRing, api_client
from worker import build_worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def warehouse_packs():
    """Edits end once a parcel is packed: here it is packed when a test says so."""
    yield


@pytest.fixture(scope="module")
async def shop(dev_env: WorkflowEnvironment, db, settings: Settings):
    shop_settings = settings.model_copy(update={"task_queue": f"console-acts-{uuid.uuid4().hex[:6]}"})
    app = create_app(shop_settings, Services(shop_settings, dev_env.client, db))
    keys = KeyRing(db)
    async with build_worker(dev_env.client, db, shop_settings), api_client(app, db, keys) as api:
        yield app, api, keys


async def placed(api, lines) -> dict:
    response = await api.post("/orders", json=order_body(lines))
    assert response.status_code == 201, response.text
    return await wait_for_status(api, response.json()["order_id"], "authorized")


def form_fields(page: str, action: str) -> dict[str, str]:
    """The hidden and prefilled fields of the page's form that posts to `action`."""
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    fields.pop("csrf_token", None)  # each session sends its own
    for name, value in re.findall(r'type="radio" name="([^"]+)" value="([^"]+)" checked', form):
        fields[name] = value
    return fields


async def test_an_edit_is_previewed_then_made(shop, catalog):
    app, api, keys = shop
    a, b = catalog({"MIL": 9}, price="10.00"), catalog({"MIL": 9}, price="2.50")
    order = await placed(api, [(a, 1)])
    url = f"/console/orders/{order['id']}/change"
    async with console(app, keys) as page:
        shown = await page.get(f"/console/orders/{order['id']}")
        assert "Edit lines or address" in shown.text
        form = form_fields(shown.text, url) | {
            f"qty:{a}": "2",
            "add_sku": b,
            "add_qty": "4",
            "reason": "called",
        }

        preview = await page.post(url, form)
        assert preview.status_code == 200, preview.text
        assert "34.90 EUR" in preview.text and "14.90 EUR" in preview.text  # new and old totals
        assert "authorize_more" in preview.text or "authorize" in preview.text
        assert (await api.get(f"/orders/{order['id']}")).json()["grand_total"] == "14.90", (
            "a preview changes nothing"
        )

        made = await page.post(url, form_fields(preview.text, url))
        assert made.status_code == 303 and made.headers["location"].endswith("?done=changed")
        after = await page.get(made.headers["location"])
        assert "The order is changed." in after.text and "34.90 EUR" in after.text
    changed = (await api.get(f"/orders/{order['id']}")).json()
    assert changed["grand_total"] == "34.90"
    assert any(
        e["actor"] == "test-support (support)" for e in changed["timeline"] if e["type"] == "order_changed"
    )

    async with console(app, keys) as page:  # the same form sent again: made once
        again = await page.post(url, form_fields(preview.text, url))
        assert again.status_code == 303
    assert (await api.get(f"/orders/{order['id']}")).json()["grand_total"] == "34.90"


async def test_an_edit_refused_says_why_and_changes_nothing(shop, catalog):
    app, api, keys = shop
    a = catalog({"MIL": 2})
    order = await placed(api, [(a, 1)])
    url = f"/console/orders/{order['id']}/change"
    async with console(app, keys) as page:
        shown = await page.get(f"/console/orders/{order['id']}")
        preview = await page.post(url, form_fields(shown.text, url) | {f"qty:{a}": "50"})
        assert "not enough in stock" in preview.text
        refused = await page.post(url, form_fields(preview.text, url))
        assert refused.status_code == 409
        assert "insufficient_stock" in refused.text and 'role="alert"' in refused.text
        bad = await page.post(url, form_fields(shown.text, url) | {f"qty:{a}": "two"})
        assert bad.status_code == 422 and "invalid_body" in bad.text
    assert (await api.get(f"/orders/{order['id']}")).json()["lines"][0]["quantity"] == 1


async def test_a_cancellation_of_some_units_then_of_the_order(shop, catalog):
    app, api, keys = shop
    a = catalog({"MIL": 5}, price="10.00")
    order = await placed(api, [(a, 3)])
    url = f"/console/orders/{order['id']}/cancel"
    async with console(app, keys) as page:
        shown = await page.get(f"/console/orders/{order['id']}")
        some = form_fields(shown.text, url) | {"scope": "some", f"qty:{a}": "2", "reason": "two too many"}
        confirm = await page.post(url, some)
        assert "2 of " + a in confirm.text and "Cancel these units" in confirm.text
        assert (await api.get(f"/orders/{order['id']}")).json()["lines"][0]["quantity"] == 3
        assert (
            (await page.post(url, form_fields(confirm.text, url)))
            .headers["location"]
            .endswith("cancelled_units")
        )
        assert (await api.get(f"/orders/{order['id']}")).json()["lines"][0]["quantity"] == 1

        shown = await page.get(f"/console/orders/{order['id']}")
        no_reason = await page.post(url, form_fields(shown.text, url))
        assert no_reason.status_code == 422 and "reason" in no_reason.text
        whole = form_fields(shown.text, url) | {"reason": "customer changed their mind"}
        confirm = await page.post(url, whole)
        assert "the whole order" in confirm.text
        done = await page.post(url, form_fields(confirm.text, url))
        assert done.headers["location"].endswith("?done=cancelled")
    await wait_for_status(api, order["id"], "cancelled")


async def test_refunds_within_what_was_captured_and_the_support_limit(shop, catalog):
    app, api, keys = shop
    a = catalog({"MIL": 5}, price="150.00")
    order = await placed(api, [(a, 1)])
    await wait_for_event(api, order["id"], "picking_started")  # packing is open from here
    packed = await api.post(f"/orders/{order['id']}/fulfillments/MIL/packed", json={})
    assert packed.status_code == 200, packed.text
    order = await wait_for_status(api, order["id"], "shipped")
    url = f"/console/orders/{order['id']}/refund"

    async with console(app, keys, Role.FINANCE) as page:
        shown = await page.get(f"/console/orders/{order['id']}")
        assert "Goodwill refund" in shown.text
        assert "Edit lines or address" not in shown.text, "finance does not edit orders"
        too_much = form_fields(shown.text, url) | {"amount": "500", "reason": "broken on arrival"}
        confirm = await page.post(url, too_much)
        refused = await page.post(url, form_fields(confirm.text, url))
        assert refused.status_code == 409
        assert "refund_exceeds_captured" in refused.text

    async with console(app, keys, Role.SUPPORT) as page:
        shown = await page.get(f"/console/orders/{order['id']}")
        over_limit = form_fields(shown.text, url) | {"amount": "120", "reason": "sorry for the wait"}
        confirm = await page.post(url, over_limit)
        refused = await page.post(url, form_fields(confirm.text, url))
        assert (refused.status_code == 403 and "forbidden" in refused.text) or "limit" in refused.text
        within = form_fields(shown.text, url) | {"amount": "20", "reason": "sorry for the wait"}
        confirm = await page.post(url, within)
        assert "20.00 EUR" in confirm.text
        made = await page.post(url, form_fields(confirm.text, url))
        assert made.headers["location"].endswith("?done=refunded")
        after = await page.get(made.headers["location"])
        assert "Credit note" in after.text
    refunds = [
        p for p in (await api.get(f"/orders/{order['id']}")).json()["payments"] if p["operation"] == "refund"
    ]
    assert [p["amount"] for p in refunds] == ["20.00"]


async def test_an_action_without_the_session_token_does_nothing(shop, catalog):
    app, api, keys = shop
    a = catalog({"MIL": 5})
    order = await placed(api, [(a, 1)])
    async with console(app, keys) as page:
        forged_form = {"csrf_token": "forged", "reason": "nope nope", "confirmed": "yes"}
        forged = await page.post(f"/console/orders/{order['id']}/cancel", forged_form)
        assert forged.status_code == 403
    assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "authorized"
    async with console(app, keys, Role.FINANCE) as finance:  # a role that may not: refused
        await finance.get(f"/console/orders/{order['id']}")
        tried = {"reason": "finance tries", "confirmed": "yes"}
        refused = await finance.post(f"/console/orders/{order['id']}/cancel", tried)
        assert refused.status_code == 403 and "may not" in refused.text
    assert (await api.get(f"/orders/{order['id']}")).json()["status"] == "authorized"
    # Leave nothing running: the time-skipping server stalls on open workflows elsewhere.
    await api.post(f"/orders/{order['id']}/cancellations", json={"reference": "end", "reason": "test over"})
