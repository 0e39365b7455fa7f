"""Support at work on orders in Chromium: finding one, reading its page, and the actions
that go through a confirmation page (an edit previewed, a cancellation, a refund refused,
a return booked in), each as a person clicks and types it."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

from playwright.async_api import expect

from domain.access import Role


def a_customer() -> dict[str, str]:
    """A customer no other test has, so a search finds this test's order alone."""
    tag = uuid.uuid4().hex[:8]
    return {"id": f"cust-{tag}", "email": f"marta.{tag}@example.com", "name": f"Marta Kowalska {tag}"}


async def open_order(page, live, order_id: str) -> None:
    await page.goto(f"{live.url}/console/orders/{order_id}")
    await expect(page.get_by_role("heading", name=f"Order {order_id}")).to_be_visible()


async def test_search_finds_an_order_as_it_is_typed(live, page, sign_in, catalog, snapshot):
    customer = a_customer()
    order = await live.place([(catalog({"MIL": 5}), 1)], customer=customer)
    await sign_in()
    search = page.get_by_role("searchbox", name="Search")
    await search.press_sequentially(customer["email"][:-4])  # part of the e-mail: no Enter needed
    results = page.locator("#results")
    await expect(results.get_by_role("status")).to_have_text("1 order")
    await expect(results.get_by_role("link", name=order["id"])).to_be_visible()
    # The address follows the search, so Back and a copied link show the same list.
    await expect(page).to_have_url(re.compile(r"\?q=" + re.escape(quote(customer["email"][:-4]))))
    await snapshot("order-list")

    await search.fill("no-such-customer-anywhere")
    await expect(results).to_contain_text("No order matches")


async def test_the_order_page_tells_the_orders_story(live, page, sign_in, catalog, snapshot):
    sku = catalog({"MIL": 5}, price="19.90")
    order = await live.deliver(await live.place([(sku, 2)], customer=a_customer()))
    await sign_in()
    await page.get_by_role("searchbox", name="Search").fill(order["id"])
    await page.get_by_role("link", name=order["id"]).click()

    await expect(page.get_by_role("heading", name=f"Order {order['id']}")).to_contain_text("delivered")
    lines = page.get_by_role("table", name="Lines and price")
    await expect(lines.get_by_role("row").filter(has_text=sku)).to_contain_text("39.80")
    invoice = order["invoices"][0]["number"] if order["invoices"] else None
    documents = page.get_by_role("table", name="Invoices and credit notes")
    await expect(documents.get_by_role("link", name=f"Invoice {invoice} (PDF)")).to_be_visible()
    tracking = order["shipments"][0]["tracking_number"]
    await expect(page.get_by_role("region", name=f"Parcel {tracking}")).to_contain_text("delivered")
    timeline = page.get_by_role("list", name="Timeline")
    await expect(timeline.get_by_role("listitem").filter(has_text="parcel delivered")).to_contain_text(
        "carrier"
    )
    await expect(timeline.get_by_role("listitem").last).to_contain_text("order accepted")  # newest first
    await snapshot("order-page")


async def test_an_edit_is_previewed_then_made(live, page, sign_in, catalog):
    a, b = catalog({"MIL": 9}, price="10.00"), catalog({"MIL": 9}, price="2.50")
    order = await live.place([(a, 1), (b, 2)])
    await sign_in()
    await open_order(page, live, order["id"])

    await page.get_by_text("Edit lines or address").click()
    await page.get_by_label(f"Quantity of {a}").fill("3")
    await page.get_by_label("Reason (for the timeline)").fill("customer asked for two more")
    await page.get_by_role("button", name="Preview the change").click()

    # The workflow's own preview, before anything changes: two more at 10.00.
    preview = page.get_by_role("region", name="What the change does")
    await expect(preview).to_contain_text("+20.00")
    await expect(preview.get_by_role("row").filter(has_text=a)).to_contain_text("in stock")
    await page.get_by_role("button", name="Make the change").click()

    await expect(page.get_by_role("status")).to_have_text("The order is changed.")
    lines = page.get_by_role("table", name="Lines and price")
    await expect(lines.get_by_role("row").filter(has_text=a)).to_contain_text("30.00")
    changed = (await live.api.get(f"/orders/{order['id']}")).json()
    assert {line["sku"]: line["quantity"] for line in changed["lines"]} == {a: 3, b: 2}


async def test_a_cancellation_asks_first_then_cancels(live, page, sign_in, catalog):
    order = await live.place([(catalog({"MIL": 4}), 2)])
    await sign_in()
    await open_order(page, live, order["id"])

    await page.get_by_text("Cancel the order or some units").click()
    await page.get_by_label("Reason (required)").fill("the customer found it cheaper")
    await page.get_by_role("button", name="Cancel…").click()
    await expect(page.get_by_role("heading", name="Cancel")).to_be_visible()
    await page.get_by_role("button", name="Cancel the order").click()

    await expect(page.get_by_role("status")).to_have_text("The order is cancelled.")
    await expect(page.get_by_role("heading", name=f"Order {order['id']}")).to_contain_text("cancelled")
    await expect(page.get_by_text("the customer found it cheaper").first).to_be_visible()


async def test_a_refund_beyond_what_was_captured_is_refused(live, page, sign_in, catalog, snapshot):
    order = await live.ship(await live.place([(catalog({"MIL": 3}), 1)]))
    captured = order["grand_total"]
    await sign_in(Role.FINANCE)  # no goodwill limit: what was captured is the bound
    await open_order(page, live, order["id"])

    await page.get_by_text("Goodwill refund").click()
    await page.get_by_label(f"Amount ({order['currency']})").fill("500")
    await page.get_by_label("Reason (required)").fill("broken on arrival")
    await page.get_by_role("button", name="Refund…").click()
    await page.get_by_role("button", name="Refund", exact=True).click()

    refusal = page.get_by_role("alert")
    await expect(refusal).to_contain_text("Refused: refund_exceeds_captured")
    await snapshot("refusal")
    payments = (await live.api.get(f"/orders/{order['id']}")).json()["payments"]
    assert not [p for p in payments if p["operation"] == "refund"], f"nothing refunded of {captured}"


async def test_a_return_is_asked_for_and_booked_in(live, page, sign_in, catalog):
    sku = catalog({"MIL": 5}, price="30.00")
    order = await live.deliver(await live.place([(sku, 2)]))
    await sign_in()
    await open_order(page, live, order["id"])

    await page.get_by_text("Ask for a return for the customer").click()
    await page.get_by_label(f"Units of {sku} back").fill("1")
    await page.get_by_label(f"Reason for {sku}").select_option(label="damaged")
    await page.get_by_role("button", name="Ask for the return…").click()
    await page.get_by_role("button", name="Ask for the return").click()
    await expect(page.get_by_role("status")).to_have_text("The return is asked for.")

    # Damaged goods are the seller's fault: approved by the rules, so the parcel is awaited.
    await page.get_by_text("Receive the parcel").click()
    await page.get_by_label(f"Resellable units of {sku}").fill("0")
    await page.get_by_label(f"Damaged units of {sku}").fill("1")
    await page.get_by_role("button", name="Book it in…").click()
    await page.get_by_role("button", name="Book it in").click()

    await expect(page.get_by_role("status")).to_have_text("The return is received.")
    returns = page.get_by_role("region", name="Return")
    await expect(returns).to_contain_text("refunded 30.00")
    documents = page.get_by_role("table", name="Invoices and credit notes")
    await expect(documents).to_contain_text("Credit note")
