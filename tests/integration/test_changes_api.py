"""Edits and cancellations over HTTP on the dev server: a preview changes nothing, a change
moves order, stock and payment together, and every refusal says why."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.webhooks import post_signed


@pytest.fixture(scope="module", autouse=True)
def warehouse_packs():
    """Here warehouses pack only when a test says so: edits end once a parcel is packed."""
    yield


async def placed(api, lines) -> dict:
    response = await api.post("/orders", json=order_body(lines))
    assert response.status_code == 201, response.text
    return await wait_for_status(api, response.json()["order_id"], "authorized")


async def test_an_edit_previewed_then_made_is_what_is_captured(stack, catalog):
    api, _, _ = stack
    a, b = catalog({"MIL": 9}, price="10.00"), catalog({"MIL": 9}, price="2.50")
    order = await placed(api, [(a, 1)])
    url = f"/orders/{order['id']}/changes"
    body = {"reference": "T-1", "lines": [{"sku": a, "quantity": 2}, {"sku": b, "quantity": 4}],
            "reason": "customer called"}  # fmt: skip
    preview = await api.post(url, json=body | {"preview": True})
    assert preview.status_code == 200, preview.text
    assert (preview.json()["applied"], preview.json()["plan"]["quote"]["grand_total"]) == (False, "34.90")
    assert (await api.get(f"/orders/{order['id']}")).json()["grand_total"] == "14.90"

    made = await api.post(url, json=body)
    assert made.status_code == 201, made.text
    assert (made.json()["applied"], made.json()["plan"]["payment"]) == (True, "authorize_more")
    changed = (await api.get(f"/orders/{order['id']}")).json()
    assert changed["grand_total"] == "34.90" and len(changed["lines"]) == 2
    assert (await api.get(f"/inventory/{b}")).json()["reserved"] == 4

    packed = await api.post(f"/orders/{order['id']}/fulfillments/MIL/packed", json={})
    assert packed.status_code == 200, packed.text
    shipped = await wait_for_status(api, order["id"], "shipped")
    captured = sum(Decimal(p["amount"]) for p in shipped["payments"] if p["operation"] == "capture")
    assert captured == Decimal("34.90") == sum(Decimal(i["grand_total"]) for i in shipped["invoices"])
    late = await api.post(url, json=body | {"reference": "T-2"})
    assert (late.status_code, late.json()["code"]) == (409, "already_packed")


async def test_cancellations_partial_then_whole_and_their_refusals(stack, catalog):
    api, _, _ = stack
    a = catalog({"MIL": 5}, price="10.00")
    order = await placed(api, [(a, 3)])
    url = f"/orders/{order['id']}/cancellations"
    bad = await api.post(url, json={"reference": "X-1"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_body")  # a reason is required
    too_many = await api.post(
        url, json={"reference": "X-2", "reason": "oops", "lines": [{"sku": a, "quantity": 4}]}
    )
    assert (too_many.status_code, too_many.json()["code"]) == (409, "quantity_exceeds_ordered")

    part = await api.post(url, json={"reference": "X-3", "reason": "two too many",
                                     "lines": [{"sku": a, "quantity": 2}]})  # fmt: skip
    assert part.status_code == 201, part.text
    assert part.json()["change"]["plan"]["quote"]["grand_total"] == "14.90"
    assert (await api.get(f"/inventory/{a}")).json()["reserved"] == 1

    whole = await api.post(url, json={"reference": "X-4", "reason": "customer changed their mind"})
    assert whole.status_code == 201, whole.text
    assert whole.json()["status"] == "cancelled"
    again = await api.post(url, json={"reference": "X-4", "reason": "customer changed their mind"})
    assert again.json() == whole.json()
    cancelled = await wait_for_status(api, order["id"], "cancelled")
    assert [p["operation"] for p in cancelled["payments"]] == ["authorize", "void"]
    assert (await api.get(f"/inventory/{a}")).json()["reserved"] == 0
    timeline = [(e["type"], e["actor"]) for e in cancelled["timeline"]]
    # The audit trail names the key each cancellation came with.
    support = "test-support (support)"
    assert ("items_cancelled", support) in timeline and ("order_cancelled", support) in timeline
    closed = await api.post(url, json={"reference": "X-5", "reason": "again"})
    assert (closed.status_code, closed.json()["code"]) == (409, "order_closed")
    missing = await api.post("/orders/webshop-NOPE/cancellations", json={"reference": "X", "reason": "why"})
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")


async def test_a_recalled_parcel_is_back_in_stock_when_the_carrier_returns_it(stack, catalog):
    api, _, settings = stack
    a = catalog({"MIL": 5}, price="10.00")
    order = await placed(api, [(a, 2)])
    assert (await api.post(f"/orders/{order['id']}/fulfillments/MIL/packed", json={})).status_code == 200
    shipped = await wait_for_status(api, order["id"], "shipped")
    tn = shipped["shipments"][0]["tracking_number"]
    event = {"event_id": f"{tn}-p", "tracking_number": tn, "status": "picked_up",
             "occurred_at": "2026-11-26T10:00:00Z"}  # fmt: skip
    assert (await post_signed(api, settings, "/webhooks/carrier", event)).status_code == 202
    await wait_for_status(api, order["id"], "in_transit")
    body = {"reference": "R-1", "reason": "fraud"}
    cancelled = await api.post(f"/orders/{order['id']}/cancellations", json=body)
    assert cancelled.status_code == 201, cancelled.text
    assert (await api.get(f"/inventory/{a}")).json()["on_hand"] == 3  # two units on the road back
    back = event | {
        "event_id": f"{tn}-r",
        "status": "returned_to_sender",
        "occurred_at": "2026-11-27T10:00:00Z",
    }
    for _ in range(2):  # the carrier may say it twice
        assert (await post_signed(api, settings, "/webhooks/carrier", back)).status_code == 202
    assert (await api.get(f"/inventory/{a}")).json()["on_hand"] == 5
    timeline = [e["type"] for e in (await api.get(f"/orders/{order['id']}")).json()["timeline"]]
    assert "return_to_sender_requested" in timeline and timeline.count("parcel_back_in_stock") == 1


async def test_a_parcel_cancelled_before_pickup_comes_back_to_stock_once(stack, catalog):
    api, _, settings = stack
    a = catalog({"MIL": 5}, price="10.00")
    order = await placed(api, [(a, 2)])
    assert (await api.post(f"/orders/{order['id']}/fulfillments/MIL/packed", json={})).status_code == 200
    tn = (await wait_for_status(api, order["id"], "shipped"))["shipments"][0]["tracking_number"]
    body = {"reference": "R-2", "reason": "changed their mind"}
    assert (await api.post(f"/orders/{order['id']}/cancellations", json=body)).status_code == 201
    assert (await api.get(f"/inventory/{a}")).json()["on_hand"] == 5  # the booking was cancelled
    # A carrier that says it brought the parcel back anyway changes nothing.
    back = {"event_id": f"{tn}-r", "tracking_number": tn, "status": "returned_to_sender",
            "occurred_at": "2026-11-27T10:00:00Z"}  # fmt: skip
    assert (await post_signed(api, settings, "/webhooks/carrier", back)).status_code == 202
    assert (await api.get(f"/inventory/{a}")).json()["on_hand"] == 5
