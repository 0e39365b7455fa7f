"""A return from request to refund over HTTP, on the dev server: the order workflow checks
it, its own workflow takes it through approval, the label and the warehouse, and the
credit note gives the money back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.api_orders import delivered_order
from tests.support.keys import api_client
from worker import build_worker


@pytest.fixture(scope="module")
async def shop(dev_env: WorkflowEnvironment, db, settings: Settings):
    """Like the shared stack, but orders stay open for returns for a day."""
    shop_settings = settings.model_copy(
        update={"task_queue": f"returns-{uuid.uuid4().hex[:6]}", "return_window": timedelta(days=1)}
    )
    app = create_app(shop_settings, Services(shop_settings, dev_env.client, db))
    async with (
        build_worker(dev_env.client, db, shop_settings),
        api_client(app, db) as api,
    ):
        yield api, shop_settings


async def test_a_return_from_request_to_refund(shop, catalog, mail_sink):
    api, settings = shop
    sku = catalog({"MIL": 5}, price="40.00")
    order = await delivered_order(api, settings, [(sku, 3)])
    body = {"reference": "RMA-100", "lines": [{"sku": sku, "quantity": 2, "reason": "changed_mind"}],
            "note": "too many"}  # fmt: skip
    # Worth 80.00 and not the seller's fault: approved by the rules (up to 100).
    requested = await api.post(f"/orders/{order['id']}/returns", json=body)
    assert requested.status_code == 201, requested.text
    ret = requested.json()
    assert (ret["status"], ret["resolution"], ret["decided_by"]) == ("approved", "refund", "rules")
    again = await api.post(f"/orders/{order['id']}/returns", json=body)
    assert again.json()["id"] == ret["id"]  # the same reference is the same return

    for _ in range(100):  # the label is booked right after the request
        ret = (await api.get(f"/returns/{ret['id']}")).json()
        if ret["label_tracking_number"]:
            break
    assert ret["label_tracking_number"].startswith("RSBX")

    receipt = {"warehouse": "MIL", "items": [{"sku": sku, "quantity": 2, "outcome": "resellable"}]}
    received = await api.post(f"/returns/{ret['id']}/receive", json=receipt)
    assert received.status_code == 200, received.text
    closed = received.json()
    assert (closed["status"], closed["refunded"]) == ("closed", "80.00")
    assert [(ln["sku"], ln["resellable"], ln["accepted"]) for ln in closed["lines"]] == [(sku, 2, 2)]
    [note] = (await api.get("/credit-notes", params={"order_id": order["id"]})).json()
    assert note["grand_total"] == "80.00" and closed["credit_notes"] == [note["number"]]

    twice = await api.post(f"/returns/{ret['id']}/receive", json=receipt)
    assert (twice.status_code, twice.json()["code"]) == (409, "illegal_transition")
    timeline = [e["type"] for e in (await api.get(f"/orders/{order['id']}")).json()["timeline"]]
    assert [t for t in timeline if t.startswith("return_") or t == "refund_issued"] == [
        "return_requested",
        "return_label_sent",
        "return_received",
        "refund_issued",
        "return_closed",
    ]
    stock = (await api.get(f"/inventory/{sku}")).json()
    assert stock["on_hand"] == 4  # 5 - 3 shipped + 2 back
    subjects = [m["Subject"] for m in mail_sink.for_order(order["id"]) if "return" in m["Subject"]]
    assert [s.split(" for order")[0] for s in subjects] == ["Your return", "Your return"]
    assert subjects[0].endswith("is approved") and subjects[1].endswith("is complete")


async def test_support_approves_and_refusals_carry_a_code(shop, catalog):
    api, settings = shop
    sku = catalog({"MIL": 5}, price="120.00")
    order = await delivered_order(api, settings, [(sku, 1)])
    url = f"/orders/{order['id']}/returns"
    refusals = [
        ({"reference": "R-1", "lines": [{"sku": sku, "quantity": 2, "reason": "damaged"}]}, 409,
         "quantity_exceeds_returnable"),
        ({"reference": "R-1", "lines": [{"sku": "MUG-CLASSIC", "quantity": 1, "reason": "damaged"}]}, 422,
         "not_in_order"),
        ({"reference": "R-1", "lines": [{"sku": sku, "quantity": 1, "reason": "bored"}]}, 422,
         "invalid_body"),
    ]  # fmt: skip
    for body, status, code in refusals:
        response = await api.post(url, json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    missing = await api.post("/orders/webshop-NOPE/returns", json=refusals[0][0])
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")

    # 120.00 and a change of mind: support decides.
    body = {"reference": "R-2", "lines": [{"sku": sku, "quantity": 1, "reason": "changed_mind"}]}
    ret = (await api.post(url, json=body)).json()
    assert ret["status"] == "requested"
    queue = [r["id"] for r in (await api.get("/returns")).json()]
    assert ret["id"] in queue
    early = await api.post(f"/returns/{ret['id']}/receive", json={"warehouse": "MIL", "items": [
        {"sku": sku, "quantity": 1, "outcome": "resellable"}]})  # fmt: skip
    assert (early.status_code, early.json()["code"]) == (409, "illegal_transition")
    approved = await api.post(f"/returns/{ret['id']}/approve", json={"reason": "regular customer"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == (
        "approved",
        "test-support (support)",
    )
    unknown = await api.get("/returns/nope-R1")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "return_not_found")
    received = await api.post(f"/returns/{ret['id']}/receive", json={"warehouse": "MIL", "items": [
        {"sku": sku, "quantity": 1, "outcome": "resellable"}]})  # fmt: skip
    # The whole order came back: the shipping is refunded too.
    assert received.json()["refunded"] == str(Decimal("120.00") + Decimal("4.90"))


async def test_support_takes_a_return_from_the_terminal(shop, catalog, ordino):
    api, settings = shop
    sku = catalog({"MIL": 5}, price="20.00")
    order = await delivered_order(api, settings, [(sku, 2)])
    requested = await asyncio.to_thread(
        ordino, "returns", "request", order["id"], "--line", f"{sku}:1:damaged", "--reference", "CLI-1"
    )
    assert requested.exit_code == 0, requested.output
    return_id = f"{order['id']}-R1"
    assert return_id in requested.output and "approved" in requested.output
    assert return_id in (await asyncio.to_thread(ordino, "returns", "list")).output
    received = await asyncio.to_thread(
        ordino, "returns", "receive", return_id, "--warehouse", "MIL", "--item", f"{sku}:1:damaged"
    )
    assert received.exit_code == 0, received.output
    assert "refunded 20.00" in received.output
    bad = await asyncio.to_thread(
        ordino, "returns", "receive", return_id, "--warehouse", "MIL", "--item", "x"
    )
    assert bad.exit_code != 0


async def test_a_return_booked_in_where_the_product_was_never_stocked_is_on_its_shelf(shop, catalog, db):
    api, settings = shop
    sku = catalog({"MIL": 2}, price="20.00")  # Berlin has never held it
    order = await delivered_order(api, settings, [(sku, 1)])
    body = {"reference": "RMA-BER", "lines": [{"sku": sku, "quantity": 1, "reason": "damaged"}]}
    ret = (await api.post(f"/orders/{order['id']}/returns", json=body)).json()
    receipt = {"warehouse": "BER", "items": [{"sku": sku, "quantity": 1, "outcome": "resellable"}]}
    received = await api.post(f"/returns/{ret['id']}/receive", json=receipt)
    assert received.status_code == 200, received.text
    berlin = {w["warehouse"]: w for w in (await api.get(f"/inventory/{sku}")).json()["warehouses"]}["BER"]
    assert (berlin["on_hand"], berlin["available"]) == (1, 1)


async def test_the_return_queues_tell_a_decision_from_a_parcel_to_wait_for(shop, catalog):
    api, settings = shop
    sku = catalog({"MIL": 5}, price="60.00")
    order = await delivered_order(api, settings, [(sku, 3)])
    url = f"/orders/{order['id']}/returns"
    small = {"reference": "RMA-Q1", "lines": [{"sku": sku, "quantity": 1, "reason": "changed_mind"}]}
    # Worth 120.00 and not the seller's fault: above the rules' limit, so support decides.
    large = {"reference": "RMA-Q2", "lines": [{"sku": sku, "quantity": 2, "reason": "changed_mind"}]}
    approved = (await api.post(url, json=small)).json()
    waiting = (await api.post(url, json=large)).json()
    assert (approved["status"], waiting["status"]) == ("approved", "requested")

    async def queue(status: str) -> set[str]:
        answer = await api.get("/returns", params={"status": status, "limit": 500})
        assert answer.status_code == 200, answer.text
        return {r["id"] for r in answer.json() if r["order_id"] == order["id"]}

    assert await queue("requested") == {waiting["id"]}
    assert await queue("approved") == {approved["id"]}
    assert await queue("closed") == set()  # the queues hold open returns only
