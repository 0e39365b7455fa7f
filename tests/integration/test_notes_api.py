"""Internal notes over HTTP and the CLI: support and finance write them on an order's
timeline, author and time from the key; a note sent again is added once; a closed order
takes notes too; and no customer reads them: not the channel, not a mail, not the
tracking page."""

from __future__ import annotations

import pytest

from domain.access import Role
from tests.support.api_orders import deliver, delivered_order, wait_for_status
from tests.support.bodies import order_body
from tests.support.keys import KeyRing

SECRET = "Customer called twice, prefers a call after 18:00 — Łukasz"


@pytest.fixture(scope="module")
def keys(db) -> KeyRing:
    return KeyRing(db)


async def test_staff_notes_are_on_the_timeline_and_no_customer_reads_them(
    stack, db, keys, catalog, mail_sink
):
    api, _, settings = stack
    placed = await api.post("/orders", json=order_body([(catalog({"MIL": 2}), 1)]))
    order_id = placed.json()["order_id"]
    url = f"/orders/{order_id}/notes"

    body = {"text": SECRET, "reference": "call-1", "actor": "mallory"}
    first = await api.post(url, json=body, headers=keys.header(Role.SUPPORT))
    assert first.status_code == 201, first.text
    note = first.json()
    assert (note["text"], note["author"], note["reference"]) == (SECRET, "test-support (support)", "call-1")
    # Sent again (a retry): the same note, added once.
    again = await api.post(url, json=body, headers=keys.header(Role.SUPPORT))
    assert (again.status_code, again.json()) == (200, note)
    other = await api.post(url, json={**body, "text": "something else"}, headers=keys.header(Role.SUPPORT))
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
    by_finance = await api.post(url, json={"text": "refund approved"}, headers=keys.header(Role.FINANCE))
    assert by_finance.status_code == 201 and by_finance.json()["reference"]

    listed = (await api.get(url, headers=keys.header(Role.SUPPORT))).json()
    assert [(n["text"], n["author"]) for n in listed] == [
        (SECRET, "test-support (support)"),
        ("refund approved", "test-finance (finance)"),
    ]

    await deliver(api, settings, order_id)
    order = await wait_for_status(api, order_id, "completed")  # no return window here
    staff_view = [e for e in order["timeline"] if e["type"] == "note_added"]
    assert [(e["reason"], e["actor"], e["internal"]) for e in staff_view] == [
        (SECRET, "test-support (support)", True),
        ("refund approved", "test-finance (finance)", True),
    ]
    assert staff_view[0]["at"] == note["at"]
    # The order went on as if nothing was written: no status or reason came from a note.
    assert order["status_reason"] is None or SECRET not in order["status_reason"]

    # The channel (whose pages customers read) sees the order without them, and may not
    # ask for them; the mails and the tracking page never carry them.
    shop = keys.header(Role.CHANNEL, "webshop")
    seen_by_shop = (await api.get(f"/orders/{order_id}", headers=shop)).json()
    assert SECRET not in str(seen_by_shop) and not any(e["internal"] for e in seen_by_shop["timeline"])
    assert (await api.get(url, headers=shop)).status_code == 403
    assert order["notifications"] and all(SECRET not in n["body"] for n in order["notifications"])
    assert all(SECRET not in m.as_string() for m in mail_sink.for_order(order_id))
    tracking = order["shipments"][0]["tracking_number"]
    assert SECRET not in (await api.get(f"/shipments/{tracking}")).text


async def test_a_closed_order_takes_notes_and_an_unknown_one_is_not_found(stack, keys, catalog):
    api, _, settings = stack
    order = await delivered_order(api, settings, [(catalog({"MIL": 2}), 1)])
    closed = await wait_for_status(api, order["id"], "completed")
    noted = await api.post(f"/orders/{closed['id']}/notes", json={"text": "customer happy"})
    assert noted.status_code == 201, noted.text
    after = (await api.get(f"/orders/{closed['id']}")).json()
    assert (after["status"], after["updated_at"]) == ("completed", closed["updated_at"])

    for method in ("GET", "POST"):
        missing = await api.request(method, "/orders/webshop:NOPE-1/notes", json={"text": "hello"})
        assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001, "bell\x07", None])
async def test_a_note_is_text_of_bounded_length(stack, catalog, text):
    api, _, _ = stack
    placed = await api.post("/orders", json=order_body([(catalog({"MIL": 1}), 1)]))
    refused = await api.post(f"/orders/{placed.json()['order_id']}/notes", json={"text": text})
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_body")


async def test_the_cli_writes_a_note_in_the_users_name(stack, catalog, ordino):
    api, _, _ = stack
    placed = await api.post("/orders", json=order_body([(catalog({"MIL": 1}), 1)]))
    order_id = placed.json()["order_id"]
    result = ordino("orders", "note", order_id, "Rang the customer: Ελένη", "--reference", "cli-1")
    assert result.exit_code == 0, result.output
    again = ordino("orders", "note", order_id, "Rang the customer: Ελένη", "--reference", "cli-1")
    assert again.exit_code == 0 and "noted before" in again.output
    notes = (await api.get(f"/orders/{order_id}/notes")).json()
    assert [n["text"] for n in notes] == ["Rang the customer: Ελένη"]
    assert notes[0]["author"].endswith("(cli)")
    unknown = ordino("orders", "note", "webshop:NOPE-2", "hello")
    assert unknown.exit_code == 1 and "order_not_found" in unknown.output
