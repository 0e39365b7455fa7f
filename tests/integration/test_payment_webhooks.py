"""3-D Secure through the API: the order waits, the provider's signed webhook settles it."""

from __future__ import annotations

import asyncio

from providers.sandbox.gateway import SandboxGateway
from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.webhooks import post_signed


async def test_3ds_order_goes_on_after_the_signed_payment_webhook(stack, db, catalog):
    api, _, settings = stack
    response = await api.post("/orders", json=order_body([(catalog({"MIL": 1}), 1)], payment_token="tok_3ds"))
    order_id = response.json()["order_id"]
    for _ in range(100):
        order = (await api.get(f"/orders/{order_id}")).json()
        if order["payments"]:
            break
        await asyncio.sleep(0.05)
    [pending] = order["payments"]
    assert (pending["operation"], pending["status"]) == ("authorize", "pending")
    assert order["status"] == "accepted"

    result = SandboxGateway(db).settle(pending["gateway_reference"], approved=True)
    event = {"event_id": "evt-1", "reference": pending["gateway_reference"], "status": result.status.value}
    unsigned = await api.post("/webhooks/payments", json=event)
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "invalid_signature")
    unknown = await post_signed(api, settings, "/webhooks/payments", {**event, "reference": "pay_nope"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_payment")

    assert (await post_signed(api, settings, "/webhooks/payments", event)).status_code == 202
    shipped = await wait_for_status(api, order_id, "shipped")
    assert [e["type"] for e in shipped["timeline"]][:3] == [
        "order_accepted",
        "payment_pending",
        "payment_authorized",
    ]
    assert (
        next(e for e in shipped["timeline"] if e["type"] == "payment_authorized")["actor"]
        == "payment provider"
    )
