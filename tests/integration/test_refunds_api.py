"""Goodwill refunds by support: money back through the gateway, a credit note per invoice
(shown with the order), a mail to the customer, never more than was captured, and every
refusal with a code."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from db.models import CreditNote, Payment
from tests.support.api_orders import wait_for_status
from tests.support.bodies import order_body
from tests.support.webhooks import post_signed


async def shipped_order(api, lines) -> dict:
    response = await api.post("/orders", json=order_body(lines))
    assert response.status_code == 201, response.text
    return await wait_for_status(api, response.json()["order_id"], "shipped")


def refund(amount: str, reference: str, reason: str = "parcel arrived late") -> dict:
    return {"amount": amount, "reason": reason, "reference": reference}


async def test_refund_issues_a_credit_note_and_is_idempotent(stack, db, catalog, mail_sink):
    api, _, _ = stack
    order = await shipped_order(api, [(catalog({"MIL": 2}, price="12.20"), 2)])  # 29.30 incl. VAT
    response = await api.post(f"/orders/{order['id']}/refunds", json=refund("6.10", "TICKET-1"))
    assert response.status_code == 201, response.text
    outcome = response.json()
    assert outcome["refunded"] == "6.10" and len(outcome["credit_notes"]) == 1

    [note] = (await api.get("/credit-notes", params={"order_id": order["id"]})).json()
    assert note["number"].startswith("CN-") and note["invoice_number"] == order["invoices"][0]["number"]
    assert (note["net_total"], note["tax_total"], note["grand_total"]) == ("5.00", "1.10", "6.10")
    assert note["reason"] == "parcel arrived late"
    assert (await api.get(f"/credit-notes/{note['number']}")).json() == note

    again = await api.post(f"/orders/{order['id']}/refunds", json=refund("6.10", "TICKET-1"))
    assert again.json()["credit_notes"] == outcome["credit_notes"]
    with db.reader() as s:
        refunds = s.scalar(
            select(func.count()).where(Payment.order_id == order["id"], Payment.operation == "refund")
        )
    assert refunds == 1
    shown = (await api.get(f"/orders/{order['id']}")).json()
    assert [
        (e["type"], e["actor"], e["reason"]) for e in shown["timeline"] if e["type"] == "refund_issued"
    ] == [("refund_issued", "test-finance (finance)", "parcel arrived late")]  # the key's name and role
    assert shown["credit_notes"] == [
        {
            key: note[key]
            for key in ("number", "invoice_number", "issued_at", "grand_total", "currency", "reason")
        }
    ]

    # The customer is told once, however often the refund is asked for.
    [mail] = [m for m in mail_sink.for_order(order["id"]) if "refunded" in str(m["Subject"])]
    assert str(mail["Subject"]) == f"We have refunded 6.10 EUR for your order {order['external_id']}"
    body = mail.get_content()
    assert "Reason: parcel arrived late" in body and note["number"] in body
    kinds = [n["kind"] for n in shown["notifications"]]
    assert kinds.count("goodwill_refund") == 1


async def test_refunds_never_exceed_what_was_captured(stack, db, catalog):
    api, _, _ = stack
    order = await shipped_order(api, [(catalog({"MIL": 2}, price="10.00"), 1)])  # 14.90
    assert (await api.post(f"/orders/{order['id']}/refunds", json=refund("10.00", "T-a"))).status_code == 201
    too_much = await api.post(f"/orders/{order['id']}/refunds", json=refund("4.91", "T-b"))
    assert (too_much.status_code, too_much.json()["code"]) == (409, "refund_exceeds_captured")
    assert too_much.json()["details"]["refundable"] == "4.90"
    assert (await api.post(f"/orders/{order['id']}/refunds", json=refund("4.90", "T-c"))).status_code == 201
    with db.reader() as s:
        total = s.scalar(select(func.sum(CreditNote.grand_total)).where(CreditNote.order_id == order["id"]))
    assert total == Decimal("14.90")


async def test_a_refund_larger_than_one_invoice_spans_the_parcels(stack, catalog):
    api, _, _ = stack
    order = await shipped_order(
        api, [(catalog({"MIL": 1}, price="20.00"), 1), (catalog({"BER": 1}, price="30.00"), 1)]
    )
    response = await api.post(f"/orders/{order['id']}/refunds", json=refund("40.00", "T-split"))
    assert response.status_code == 201, response.text
    notes = (await api.get("/credit-notes", params={"order_id": order["id"]})).json()
    assert len(notes) == 2 and sum(Decimal(n["grand_total"]) for n in notes) == Decimal("40.00")
    assert {n["invoice_number"] for n in notes} == {i["number"] for i in order["invoices"]}


async def test_refund_refusals_carry_a_code(stack, catalog):
    api, _, settings = stack
    order = await shipped_order(api, [(catalog({"MIL": 1}), 1)])
    cases = [
        (refund("0.001", "T1"), 422, "invalid_amount"),
        (refund("0", "T2"), 422, "invalid_body"),
        (refund("1.00", "T3", reason=""), 422, "invalid_body"),
    ]
    for body, status, code in cases:
        response = await api.post(f"/orders/{order['id']}/refunds", json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    missing = await api.post("/orders/webshop-nope/refunds", json=refund("1.00", "T4"))
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")

    waiting = await api.post("/orders", json=order_body([(catalog({}), 1)], channel="phone"))  # backordered
    unpaid = await api.post(f"/orders/{waiting.json()['order_id']}/refunds", json=refund("1.00", "T5"))
    assert (unpaid.status_code, unpaid.json()["code"]) == (409, "no_capture")

    # Delivered and past its (zero) return window: the order is closed.
    tn = order["shipments"][0]["tracking_number"]
    event = {
        "event_id": f"{tn}-d",
        "tracking_number": tn,
        "status": "delivered",
        "occurred_at": "2026-11-26T10:00:00Z",
    }
    await post_signed(api, settings, "/webhooks/carrier", event)
    await wait_for_status(api, order["id"], "completed")
    for _ in range(50):
        closed = await api.post(f"/orders/{order['id']}/refunds", json=refund("1.00", "T6"))
        if closed.status_code == 409:
            break
    assert (closed.status_code, closed.json()["code"]) == (409, "order_closed")


async def test_credit_notes_never_return_more_vat_than_the_invoice_had(stack, catalog):
    api, _, _ = stack
    # 95.10 at 22% carries 17.15 VAT, shipping 4.90 carries 0.88: 100.00 with 18.03 VAT.
    order = await shipped_order(api, [(catalog({"MIL": 1}, price="95.10"), 1)])
    for ref in ("H-1", "H-2"):
        assert (
            await api.post(f"/orders/{order['id']}/refunds", json=refund("50.00", ref))
        ).status_code == 201
    notes = (await api.get("/credit-notes", params={"order_id": order["id"]})).json()
    assert sorted(n["tax_total"] for n in notes) == ["9.01", "9.02"]  # 9.015 twice would round to 18.04


async def test_a_refund_reference_stands_for_one_refund(stack, catalog):
    api, _, _ = stack
    order = await shipped_order(api, [(catalog({"MIL": 1}, price="30.00"), 1)])
    assert (await api.post(f"/orders/{order['id']}/refunds", json=refund("10.00", "R-1"))).status_code == 201
    other = await api.post(f"/orders/{order['id']}/refunds", json=refund("20.00", "R-1"))
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_conflict")
    odd = await api.post(f"/orders/{order['id']}/refunds", json=refund("1.00", "R:1"))
    assert (odd.status_code, odd.json()["code"]) == (422, "invalid_body")
