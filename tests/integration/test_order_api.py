"""An order from POST /orders to completed, through the carrier webhook, on real servers."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

from sqlalchemy import func, select
from temporalio.api.sdk.v1 import WorkflowMetadata

from contracts.ids import order_workflow_id
from db.models import Order, SandboxGatewayTransaction, StockMovement
from providers import webhook_signature
from tests.support.api_orders import simulator_posting_to, wait_for_status
from tests.support.bodies import COMPLETED_TIMELINE, order_body
from tests.support.webhooks import post_signed
from workflows.order import OrderWorkflow


async def test_order_goes_from_post_to_completed(stack, db, catalog):
    api, client, settings = stack
    sku = catalog({"MIL": 10, "BER": 10}, price="19.99")
    response = await api.post("/orders", json=order_body([(sku, 3), ("MUG-CLASSIC", 1)]))
    assert response.status_code == 201, response.text
    accepted = response.json()
    order_id = accepted["order_id"]
    # 3 x 19.99 + 12.90 + 4.90 shipping, VAT included; 22% IT VAT carved out per line.
    assert accepted["quote"]["grand_total"] == "77.77"
    assert [line["tax"] for line in accepted["quote"]["lines"]] == ["10.81", "2.33"]
    assert accepted["status"] == "accepted"

    shipped = await wait_for_status(api, order_id, "shipped")
    assert shipped["invoices"][0]["number"].startswith("INV-")
    assert [p["operation"] for p in shipped["payments"]] == ["authorize", "capture"]
    [parcel] = shipped["shipments"]

    # The sandbox carrier walks the parcel through its journey by calling our webhook.
    carrier = simulator_posting_to(api, db, settings)
    for _ in range(4):
        await carrier.tick(datetime.now(UTC))
    completed = await wait_for_status(api, order_id, "completed")

    assert completed["shipments"][0]["status"] == "delivered"
    assert completed["shipments"][0]["tracking_number"] == parcel["tracking_number"]
    assert [e["type"] for e in completed["timeline"]] == COMPLETED_TIMELINE
    assert completed["timeline"][0]["actor"] == "channel:webshop"

    # Ops find it in Temporal by its search attributes, and the workflow is done.
    handle = client.get_workflow_handle_for(OrderWorkflow.run, order_workflow_id(order_id))
    assert (await handle.result()).status == "completed"
    desc = await handle.describe()
    assert await desc.static_summary() == f"webshop order {accepted['external_id']} for cust-42: 4 item(s)"
    # The summary is written before the order is priced; the details the Web UI shows with it
    # carry the total.
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    assert metadata.current_details == f"Order {order_id}: completed, 77.77 EUR"
    query = (
        f"OrderStatus = 'completed' AND CustomerId = 'cust-42' AND OrderChannel = 'webshop' "
        f"AND OrderId = '{order_id}'"
    )
    for _ in range(100):  # visibility is eventually consistent
        found = [wf.id async for wf in client.list_workflows(query)]
        if handle.id in found:
            break
        await asyncio.sleep(0.05)
    assert handle.id in found

    # Other tests' orders share the database, some created at skipped-ahead workflow times
    # (newest first), so look through every page.
    listed: list[str] = []
    while page := (
        await api.get(
            "/orders",
            params={"status": "completed", "customer": "cust-42", "limit": 100, "offset": len(listed)},
        )
    ).json()["items"]:
        listed += [o["id"] for o in page]
    assert order_id in listed


async def test_concurrent_duplicate_posts_make_exactly_one_order(stack, db, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5})
    body = order_body([(sku, 2)])
    responses = await asyncio.gather(*[api.post("/orders", json=body) for _ in range(12)])
    assert {r.status_code for r in responses} <= {200, 201}
    order_ids = {r.json()["order_id"] for r in responses}
    assert len(order_ids) == 1
    [order_id] = order_ids

    await wait_for_status(api, order_id, "shipped")
    again = await api.post("/orders", json=body)
    assert again.status_code == 200 and again.json()["order_id"] == order_id

    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Order).where(Order.id == order_id)) == 1
        reservations = s.scalar(
            select(func.count()).where(
                StockMovement.reference == order_id, StockMovement.kind == "reservation"
            )
        )
        authorizations = s.scalar(
            select(func.count()).where(
                SandboxGatewayTransaction.idempotency_key.startswith(order_id + ":"),
                SandboxGatewayTransaction.operation == "authorize",
            )
        )
    assert reservations == 1
    assert authorizations == 1


async def test_same_external_id_with_other_content_is_a_conflict(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5})
    body = order_body([(sku, 1)])
    assert (await api.post("/orders", json=body)).status_code == 201
    changed = {**body, "lines": [{"sku": sku, "quantity": 2}]}
    response = await api.post("/orders", json=changed)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"


async def test_bad_orders_get_a_code_and_write_nothing(stack, db, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 2})

    invalid = await api.post("/orders", json=order_body([(sku, 0)], currency="euro"))
    assert invalid.status_code == 422
    assert invalid.json()["code"] == "invalid_body"
    assert {e["field"] for e in invalid.json()["errors"]} == {"body.lines.0.quantity", "body.currency"}

    cases = [
        (order_body([("NOPE-404", 1)]), 422, "unknown_sku"),
        (order_body([(sku, 3)]), 409, "insufficient_stock"),
        (order_body([(sku, 1)], currency="JPY"), 422, "price_missing"),
        (order_body([(sku, 1)], channel="smoke_signals"), 422, "unknown_channel"),
    ]
    for body, status, code in cases:
        response = await api.post("/orders", json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        with db.reader() as s:
            assert s.get(Order, f"{body['channel']}-{body['external_id']}") is None

    # A rejected order may be placed again, e.g. once stock has arrived.
    retry = order_body([(sku, 3)])
    assert (await api.post("/orders", json=retry)).status_code == 409
    assert (
        await api.post("/orders", json={**retry, "lines": [{"sku": sku, "quantity": 2}]})
    ).status_code == 201


async def test_late_event_for_a_closed_order_is_acknowledged_and_ignored(stack, catalog):
    api, client, settings = stack
    response = await api.post("/orders", json=order_body([(catalog({"MIL": 1}), 1)]))
    order_id = response.json()["order_id"]
    shipped = await wait_for_status(api, order_id, "shipped")
    tn = shipped["shipments"][0]["tracking_number"]
    delivered = {
        "event_id": f"{tn}-x",
        "tracking_number": tn,
        "status": "delivered",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    assert (await post_signed(api, settings, "/webhooks/carrier", delivered)).json()["status"] == "accepted"
    completed = await wait_for_status(api, order_id, "completed")
    await client.get_workflow_handle(order_workflow_id(order_id)).result()
    late = {**delivered, "event_id": f"{tn}-late", "status": "in_transit"}
    response = await post_signed(api, settings, "/webhooks/carrier", late)
    assert (response.status_code, response.json()["status"]) == (202, "ignored")
    after = (await api.get(f"/orders/{order_id}")).json()
    assert after["timeline"] == completed["timeline"]


async def test_webhook_for_an_unknown_parcel_is_a_404(stack):
    api, _, settings = stack
    event = {
        "event_id": "e1",
        "tracking_number": "NOPE",
        "status": "delivered",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    response = await post_signed(api, settings, "/webhooks/carrier", event)
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_tracking_number"


async def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(stack, catalog):
    api, _, settings = stack
    response = await api.post("/orders", json=order_body([(catalog({"MIL": 1}), 1)]))
    shipped = await wait_for_status(api, response.json()["order_id"], "shipped")
    for _ in range(100):  # the tracking mail follows the booking
        if "parcel_shipped" in {n["kind"] for n in shipped["notifications"]}:
            break
        await asyncio.sleep(0.05)
        shipped = (await api.get(f"/orders/{shipped['id']}")).json()
    tn = shipped["shipments"][0]["tracking_number"]
    event = {
        "event_id": f"{tn}-f",
        "tracking_number": tn,
        "status": "delivered",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    body = json.dumps(event).encode()
    forged = webhook_signature.sign("not-the-secret", body)
    stale = webhook_signature.sign(
        settings.carrier_webhook_secrets[0], body, timestamp=int(time.time()) - 3600
    )
    for headers in (
        {},
        {webhook_signature.HEADER: forged},
        {webhook_signature.HEADER: stale},
        {webhook_signature.HEADER: "garbage"},
    ):
        refused = await api.post(
            "/webhooks/carrier", content=body, headers={"content-type": "application/json", **headers}
        )
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_signature")
    await asyncio.sleep(0.3)
    after = (await api.get(f"/orders/{shipped['id']}")).json()
    assert after["status"] == "shipped" and after["timeline"] == shipped["timeline"]

    malformed = await post_signed(api, settings, "/webhooks/carrier", {**event, "status": "teleported"})
    assert (malformed.status_code, malformed.json()["code"]) == (422, "invalid_body")


async def test_unknown_order_is_a_404(stack):
    api, _, _ = stack
    response = await api.get("/orders/webshop-nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
