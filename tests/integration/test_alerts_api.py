"""Support alerts handled over HTTP: acknowledged (someone is on it, the alert stays open)
and resolved by hand with a reason; an alert with a fix of its own waits for that fix; two
people resolving one alert at once; the list's filters."""

from __future__ import annotations

import asyncio

import pytest

from db import api_keys
from domain.access import Role
from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.keys import KeyRing
from tests.support.webhooks import post_signed


@pytest.fixture(scope="module")
def people(db) -> dict[str, dict[str, str]]:
    """Two support agents, each with a key of their own."""
    return {
        name: {"authorization": f"Bearer {api_keys.create(db, name, Role.SUPPORT)[1]}"}
        for name in ("ann", "bo")
    }


async def alert_of(api, order_id: str, kind: str, tries: int = 200) -> dict:
    for _ in range(tries):
        found = (await api.get("/support/alerts", params={"kind": kind, "limit": 200})).json()
        mine = [a for a in found if a["order_id"] == order_id]
        if mine:
            return mine[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} alert for {order_id}")


async def test_a_held_address_alert_is_acknowledged_and_waits_for_the_corrected_address(
    stack, people, catalog
):
    api, _, _ = stack
    body = order_body([(catalog({"MIL": 2}), 1)])
    body["shipping_address"]["line1"] = "Nowhere 0 UNDELIVERABLE"
    order_id = (await api.post("/orders", json=body)).json()["order_id"]
    await wait_for_status(api, order_id, "on_hold")
    alert = await alert_of(api, order_id, "undeliverable_address")
    assert (alert["fix"], alert["acknowledged_by"], alert["channel"]) == ("correct_address", None, "webshop")
    url = f"/support/alerts/{alert['id']}"

    # While the order is on hold for it, only the corrected address resolves it.
    refused = await api.post(f"{url}/resolve", json={"reason": "called the customer"}, headers=people["ann"])
    assert (refused.status_code, refused.json()["code"]) == (409, "alert_cause_stands")
    assert refused.json()["details"] == {"kind": "undeliverable_address", "fix": "correct_address"}

    # Ann is on it; Bo saying so too changes nothing: the alert names Ann, and stays open.
    acked = await api.post(f"{url}/acknowledge", headers=people["ann"])
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledged_by"] == "ann (support)" and acked.json()["resolved_at"] is None
    again = await api.post(f"{url}/acknowledge", headers=people["bo"])
    assert (again.status_code, again.json()) == (200, acked.json())
    unacknowledged = (await api.get("/support/alerts", params={"acknowledged": "false", "limit": 200})).json()
    acknowledged = (await api.get("/support/alerts", params={"acknowledged": "true", "limit": 200})).json()
    assert alert["id"] not in {a["id"] for a in unacknowledged}
    assert alert["id"] in {a["id"] for a in acknowledged}
    order = (await api.get(f"/orders/{order_id}")).json()
    acks = [e for e in order["timeline"] if e["type"] == "alert_acknowledged"]
    assert [(e["actor"], e["internal"]) for e in acks] == [("ann (support)", True)]
    assert order["status"] == "on_hold"  # acknowledging changes nothing of the order

    fixed = {**body["shipping_address"], "line1": "Via Roma 1"}
    assert (await api.put(f"/orders/{order_id}/shipping-address", json={"address": fixed})).status_code == 204
    await wait_for_status(api, order_id, "shipped")
    resolved = (await api.get(url)).json()
    assert (resolved["resolved_by"], resolved["resolution"], resolved["fix"]) == (
        "test-support (support)",
        "address corrected",
        None,
    )
    assert alert["id"] not in {
        a["id"] for a in (await api.get("/support/alerts", params={"limit": 200})).json()
    }
    for action, extra in (("acknowledge", {}), ("resolve", {"json": {"reason": "done"}})):
        late = await api.post(f"{url}/{action}", headers=people["bo"], **extra)
        assert (late.status_code, late.json()["code"]) == (409, "alert_already_resolved")
        assert late.json()["details"]["resolved_by"] == "test-support (support)"  # who corrected it


async def test_two_people_resolve_a_lost_parcel_alert_at_once_and_one_wins(stack, db, people, catalog):
    api, _, settings = stack
    order_id = (await api.post("/orders", json=order_body([(catalog({"MIL": 3}), 1)]))).json()["order_id"]
    shipped = await wait_for_status(api, order_id, "shipped")
    tn = shipped["shipments"][0]["tracking_number"]
    event = {
        "event_id": f"{tn}-lost",
        "tracking_number": tn,
        "status": "lost",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    assert (await post_signed(api, settings, "/webhooks/carrier", event)).status_code == 202
    alert = await alert_of(api, order_id, "lost")
    assert alert["fix"] is None  # a record: open until support says it is dealt with
    other_shop = (await api.get("/support/alerts", params={"channel": "marketplace", "limit": 200})).json()
    assert alert["id"] not in {a["id"] for a in other_shop}

    url = f"/support/alerts/{alert['id']}/resolve"
    ann, bo = await asyncio.gather(
        api.post(url, json={"reason": "carrier claim filed"}, headers=people["ann"]),
        api.post(url, json={"reason": "customer got a replacement"}, headers=people["bo"]),
    )
    answers = sorted([ann, bo], key=lambda r: r.status_code)
    won, lost = answers
    assert (won.status_code, lost.status_code, lost.json()["code"]) == (200, 409, "alert_already_resolved")
    winner = won.json()["resolved_by"]
    assert lost.json()["details"]["resolved_by"] == winner
    # The winner sending it again (a retry) gets the same answer.
    retry_by = people["ann"] if winner == "ann (support)" else people["bo"]
    retried = await api.post(url, json={"reason": "sent again"}, headers=retry_by)
    assert (retried.status_code, retried.json()) == (200, won.json())

    order = (await api.get(f"/orders/{order_id}")).json()
    resolutions = [
        e for e in order["timeline"] if e["type"] == "alert_resolved" and e["data"]["kind"] == "lost"
    ]
    assert [(e["actor"], e["internal"]) for e in resolutions] == [(winner, True)]
    assert resolutions[0]["reason"] == won.json()["resolution"]
    # A channel reads the order without what support wrote about it.
    shop = KeyRing(db).header(Role.CHANNEL, "webshop")
    seen = (await api.get(f"/orders/{order_id}", headers=shop)).json()
    assert not [e for e in seen["timeline"] if e["type"] == "alert_resolved"]


async def test_unknown_and_malformed_alert_ids(stack, people):
    api, _, _ = stack
    missing = await api.post("/support/alerts/999999999/acknowledge", headers=people["ann"])
    assert (missing.status_code, missing.json()["code"]) == (404, "alert_not_found")
    assert (await api.get("/support/alerts/999999999")).json()["code"] == "alert_not_found"
    for bad in ("0", "abc", str(2**63)):
        answer = await api.post(
            f"/support/alerts/{bad}/resolve", json={"reason": "done"}, headers=people["ann"]
        )
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_parameter")
    unknown_kind = await api.get("/support/alerts", params={"kind": "volcano"})
    assert (unknown_kind.status_code, unknown_kind.json()["code"]) == (422, "invalid_parameter")
    short = await api.post("/support/alerts/1/resolve", json={"reason": "ok"}, headers=people["ann"])
    assert (short.status_code, short.json()["code"]) == (422, "invalid_body")


async def test_support_handles_an_alert_from_the_terminal(stack, catalog, ordino):
    api, _, settings = stack
    order_id = (await api.post("/orders", json=order_body([(catalog({"MIL": 3}), 1)]))).json()["order_id"]
    tn = (await wait_for_status(api, order_id, "shipped"))["shipments"][0]["tracking_number"]
    event = {
        "event_id": f"{tn}-dmg",
        "tracking_number": tn,
        "status": "damaged",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    assert (await post_signed(api, settings, "/webhooks/carrier", event)).status_code == 202
    alert = await alert_of(api, order_id, "damaged")

    listed = ordino("orders", "alerts", "--kind", "damaged", "--unacknowledged", "--limit", "200")
    assert listed.exit_code == 0 and order_id in listed.output, listed.output
    acked = ordino("orders", "acknowledge", str(alert["id"]))
    assert acked.exit_code == 0 and "(cli) is on it" in acked.output, acked.output
    assert (
        order_id
        not in ordino("orders", "alerts", "--kind", "damaged", "--unacknowledged", "--limit", "200").output
    )
    too_short = ordino("orders", "resolve", str(alert["id"]), "--reason", "ok")
    assert too_short.exit_code == 2
    resolved = ordino("orders", "resolve", str(alert["id"]), "--reason", "replacement on its way")
    assert resolved.exit_code == 0, resolved.output
    after = (await api.get(f"/support/alerts/{alert['id']}")).json()
    assert after["resolved_by"].endswith("(cli)") and after["resolution"] == "replacement on its way"
    unknown = ordino("orders", "acknowledge", "999999999")
    assert unknown.exit_code == 1 and "alert_not_found" in unknown.output
