"""The queues page in Chromium: support finds an order's open alert and tells the others
they are on it."""

from __future__ import annotations

from playwright.async_api import expect

from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body


async def test_an_alert_is_acknowledged_from_the_queue(live, page, sign_in, catalog, snapshot):
    # The carrier refuses the address: the order waits on hold, and support is alerted.
    address = order_body([])["shipping_address"] | {"line1": "Via Inesistente 0 UNDELIVERABLE"}
    order = await live.place([(catalog({"MIL": 2}), 1)], shipping_address=address)
    await live.pack(order)
    await wait_for_status(live.api, order["id"], "on_hold")

    await sign_in()
    await page.get_by_role("navigation", name="Sections").get_by_role("link", name="Queues").click()
    await expect(page.get_by_role("heading", name="Queues", level=1)).to_be_visible()
    alert = page.get_by_role("table", name="Alerts").get_by_role("row").filter(has_text=order["id"])
    await expect(alert).to_contain_text("undeliverable address")
    await expect(alert).to_contain_text("nobody yet")
    await snapshot("queues")

    await alert.get_by_text("Acknowledge…").click()
    await alert.get_by_role("button", name="Yes, I am on it").click()
    alert = page.get_by_role("table", name="Alerts").get_by_role("row").filter(has_text=order["id"])
    await expect(alert).to_contain_text("test-support (support)")
    await expect(alert.get_by_text("Acknowledge…")).to_have_count(0)
    # Acknowledged is not resolved: the alert stays open until the address is corrected.
    await expect(alert).to_contain_text("correcting the address")
