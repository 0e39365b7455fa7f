"""Shipping on real servers: a split order whose Berlin parcel the sandbox carrier loses,
reported through the signed webhook and sent again; an address the carrier refuses,
corrected by support over HTTP; packing, labels, alerts and feedback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain.orders import Address
from domain.tracking import TrackingEvent
from providers.sandbox.carrier import SandboxCarrier
from providers.sandbox.carrier_journeys import REFUSED_RETRY, CarrierSimulator
from tests.support.api_orders import simulator_posting_to, wait_for_status
from tests.support.bodies import order_body
from tests.support.webhooks import post_signed


async def test_a_lost_parcel_reported_by_signed_webhook_is_sent_again(stack, db, catalog, mail_sink):
    api, _, settings = stack
    milan, berlin = catalog({"MIL": 3}), catalog({"BER": 3})
    body = order_body([(milan, 1), (berlin, 1)])
    body["shipping_address"]["line2"] = "sandbox:lost@BER"
    order_id = (await api.post("/orders", json=body)).json()["order_id"]
    await wait_for_status(api, order_id, "shipped")
    for _ in range(100):  # parcels are booked one after the other
        shipped = (await api.get(f"/orders/{order_id}")).json()
        if len(shipped["shipments"]) == 2:
            break
        await asyncio.sleep(0.05)
    assert sorted(p["warehouse"] for p in shipped["shipments"]) == ["BER", "MIL"]

    # The carrier walks both parcels through their journeys by calling the signed webhook.
    carrier = simulator_posting_to(api, db, settings)
    for _ in range(100):  # the replacement's first scan may be refused once, and tried again
        await carrier.tick(datetime.now(UTC))
        order = (await api.get(f"/orders/{order_id}")).json()
        if order["status"] == "completed":
            break
        await asyncio.sleep(0.1)
    order = await wait_for_status(api, order_id, "completed")

    parcels = {(p["warehouse"], p["status"]) for p in order["shipments"]}
    assert parcels == {("MIL", "delivered"), ("BER", "lost"), ("BER", "delivered")}
    types = [e["type"] for e in order["timeline"]]
    for expected in ("parcel_lost", "support_alerted", "parcel_reshipped", "order_completed"):
        assert expected in types
    assert "partially_delivered" in {e["status"] for e in order["timeline"]}

    lost = next(p for p in order["shipments"] if p["status"] == "lost")
    tracked = (await api.get(f"/shipments/{lost['tracking_number']}")).json()
    assert [e["status"] for e in tracked["events"]] == ["picked_up", "in_transit", "lost"]
    label = await api.get(f"/shipments/{lost['tracking_number']}/label.pdf")
    assert label.status_code == 200 and label.content.startswith(b"%PDF")
    alerts = (await api.get("/support/alerts")).json()
    assert {"order_id": order_id, "kind": "lost"}.items() <= next(
        a for a in alerts if a["order_id"] == order_id
    ).items()

    # One mail per event: confirmed, two parcels on their way, the lost one (with its
    # replacement's tracking), two delivered, feedback.
    kinds = sorted(n["kind"] for n in order["notifications"])
    assert kinds == [
        "feedback_request",
        "order_confirmed",
        "parcel_delivered",
        "parcel_delivered",
        "parcel_failed",
        "parcel_shipped",
        "parcel_shipped",
    ]
    assert all(n["sent_at"] for n in order["notifications"])
    assert len(mail_sink.for_order(order_id)) == len(kinds)


async def test_support_corrects_an_address_the_carrier_refused(stack, catalog):
    api, _, _ = stack
    body = order_body([(catalog({"MIL": 2}), 1)])
    body["shipping_address"]["line1"] = "Nowhere 0 UNDELIVERABLE"
    order_id = (await api.post("/orders", json=body)).json()["order_id"]
    held = await wait_for_status(api, order_id, "on_hold")
    assert "cannot deliver" in held["status_reason"]

    bad = await api.put(f"/orders/{order_id}/shipping-address", json={"address": {"name": "x"}})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_body")
    fixed = {**body["shipping_address"], "line1": "Via Roma 1"}
    response = await api.put(f"/orders/{order_id}/shipping-address", json={"address": fixed})
    assert response.status_code == 204
    shipped = await wait_for_status(api, order_id, "shipped")
    assert shipped["shipping_address"]["line1"] == "Via Roma 1"
    assert shipped["status_reason"] is None  # on hold no more
    alerts = (await api.get("/support/alerts", params={"limit": 200})).json()
    assert [a for a in alerts if a["order_id"] == order_id] == []

    again = await api.put(f"/orders/{order_id}/shipping-address", json={"address": body["shipping_address"]})
    assert (again.status_code, again.json()["code"]) == (409, "address_locked")


async def test_packing_feedback_and_their_refusals(stack, catalog):
    api, _, settings = stack
    order_id = (await api.post("/orders", json=order_body([(catalog({"MIL": 2}), 1)]))).json()["order_id"]
    shipped = await wait_for_status(api, order_id, "shipped")
    # The warehouse confirmed already; confirming again answers the same, idempotently.
    packed = await api.post(f"/orders/{order_id}/fulfillments/MIL/packed")
    assert packed.status_code == 200 and packed.json() == {"warehouse": "MIL", "weight_grams": 500}
    wrong = await api.post(f"/orders/{order_id}/fulfillments/BER/packed")
    assert (wrong.status_code, wrong.json()["code"]) == (404, "unknown_fulfillment")
    missing = await api.post("/orders/webshop-nope/fulfillments/MIL/packed")
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")

    early = await api.post(f"/orders/{order_id}/feedback", json={"rating": 5})
    assert (early.status_code, early.json()["code"]) == (409, "not_delivered")

    before = (await api.get("/reports/feedback")).json()
    tn = shipped["shipments"][0]["tracking_number"]
    event = {
        "event_id": f"{tn}-d",
        "tracking_number": tn,
        "status": "delivered",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    assert (await post_signed(api, settings, "/webhooks/carrier", event)).status_code == 202
    await wait_for_status(api, order_id, "completed")

    given = await api.post(f"/orders/{order_id}/feedback", json={"rating": 4, "comment": "Quick and careful"})
    assert given.status_code == 201
    twice = await api.post(f"/orders/{order_id}/feedback", json={"rating": 1})
    assert (twice.status_code, twice.json()["code"]) == (409, "feedback_exists")
    invalid = await api.post(f"/orders/{order_id}/feedback", json={"rating": 6})
    assert (invalid.status_code, invalid.json()["code"]) == (422, "invalid_body")

    after = (await api.get("/reports/feedback")).json()
    assert after["count"] == before["count"] + 1
    assert after["distribution"]["4"] == before["distribution"]["4"] + 1
    assert 1 <= float(after["average"]) <= 5


async def test_the_feedback_mail_links_to_a_form_a_customer_can_send(stack, catalog):
    api, _, settings = stack
    order_id = (await api.post("/orders", json=order_body([(catalog({"MIL": 2}), 1)]))).json()["order_id"]
    shipped = await wait_for_status(api, order_id, "shipped")
    tn = shipped["shipments"][0]["tracking_number"]
    event = {
        "event_id": f"{tn}-d",
        "tracking_number": tn,
        "status": "delivered",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    await post_signed(api, settings, "/webhooks/carrier", event)
    order = await wait_for_status(api, order_id, "completed")
    [request] = [n for n in order["notifications"] if n["kind"] == "feedback_request"]
    link = settings.feedback_url(order_id)  # signed for this order
    assert link in request["body"]
    path = link.removeprefix(settings.api_base_url)

    # Without the mail's token, or with another order's, the form is not shown or taken.
    for forged in (f"/orders/{order_id}/feedback", path.replace(order_id, "webshop-other", 1)):
        refused = await api.get(forged)
        assert refused.status_code == 403 and "not valid" in refused.text
    form = await api.get(path)
    assert form.status_code == 200 and "How was your order?" in form.text
    action = form.text.split("action='", 1)[1].split("'", 1)[0]
    assert (await api.post(action.split("?")[0], content="rating=3")).status_code == 403
    sent = await api.post(
        action,
        content="rating=3&comment=Fine%2C+thanks",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert sent.status_code == 201 and "Thank you" in sent.text
    again = await api.post(
        action,
        content="rating=5",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert again.status_code == 409 and "rated already" in again.text


async def test_a_refused_carrier_event_is_tried_again_later_not_every_tick(db):
    """The first scan can reach Ordino before the booking has recorded its tracking number:
    refused, the event waits a while instead of being posted again at every poll."""
    now = datetime(2001, 1, 1, tzinfo=UTC)  # before any other test's parcel is due
    recipient = Address(
        name="Ada Rossi", line1="Via Roma 1", postal_code="20121", city="Milano", country="IT"
    )
    booking = SandboxCarrier(db, timedelta(0), clock=lambda: now).book(
        "ship-1", "O-retry", "MIL", recipient, 500
    )
    answers = [False, True]
    posted: list[TrackingEvent] = []

    async def post(event: TrackingEvent) -> bool:
        posted.append(event)
        return answers.pop(0)

    carrier = CarrierSimulator(db, timedelta(0), post)
    assert await carrier.tick(now) == 0
    assert await carrier.tick(now + timedelta(milliseconds=50)) == 0  # not yet asked again
    assert await carrier.tick(now + REFUSED_RETRY) == 1
    assert [e.event_id for e in posted] == [f"{booking.tracking_number}-0-picked_up"] * 2
