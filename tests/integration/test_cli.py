"""The ordino CLI against the test database: what support and warehouse staff type and see."""

from __future__ import annotations

import getpass
import json
import uuid
from datetime import UTC, datetime

from activities.intake import IntakeActivities
from contracts.intake import AcceptOrderInput
from db import api_keys
from domain.access import Role
from domain.orders import PlaceOrder
from tests.support.bodies import order_body


def test_receive_adjust_and_read_the_ledger(ordino, catalog):
    sku = catalog({"MIL": 5})
    ref = f"DN-{uuid.uuid4().hex[:6]}"
    assert ordino("inventory", "receive", "MIL", f"{sku}=7", "--reference", ref).exit_code == 0
    again = ordino("inventory", "receive", "MIL", f"{sku}=7", "--reference", ref)
    assert again.exit_code == 0 and "booked before" in again.stdout

    write_off = ["--delta", "-2", "--reason", "broken in aisle 4", "--reference", "CNT-1", "--write-off"]
    out = ordino("inventory", "adjust", sku, "MIL", *write_off)
    assert out.exit_code == 0, out.stdout
    shown = ordino("inventory", "show", sku).stdout
    assert "on hand 10, reserved 0, available 10" in shown
    ledger = ordino("inventory", "movements", sku).stdout
    assert "write_off" in ledger and "broken in aisle 4" in ledger and ref in ledger


def test_bad_input_prints_the_code_and_fails(ordino, catalog):
    sku = catalog({"MIL": 1})
    unknown = ordino("inventory", "receive", "NOWHERE", f"{sku}=1", "--reference", "X")
    assert unknown.exit_code == 1 and "unknown_warehouse" in unknown.stdout
    malformed = ordino("inventory", "receive", "MIL", f"{sku}:1", "--reference", "X")
    assert malformed.exit_code == 1 and "invalid_body" in malformed.stdout
    too_much = ordino(
        "inventory", "adjust", sku, "MIL", "--delta", "-5", "--reason", "recount", "--reference", "C2"
    )
    assert too_much.exit_code == 1 and "negative_stock" in too_much.stdout
    assert ordino("inventory", "show", "NOPE").exit_code == 1


def test_orders_list_and_show(ordino, db, settings, catalog):
    request = PlaceOrder.model_validate(order_body([(catalog({"BER": 3}, price="19.99"), 2)], currency="EUR"))
    IntakeActivities(db, settings).accept_order(AcceptOrderInput(request=request, at=datetime.now(UTC)))
    listed = ordino("orders", "list", "--customer", "cust-42", "--limit", "200").stdout
    assert request.order_id in listed
    shown = ordino("orders", "show", request.order_id).stdout
    assert "accepted" in shown and "44.88" in shown  # 2 x 19.99 + 4.90 shipping
    assert ordino("orders", "show", "webshop-none").exit_code == 1


def test_invoices_list_show_and_pdf(ordino, db, settings, catalog, tmp_path):
    from activities.invoicing import InvoicingActivities
    from contracts.invoicing import IssueInvoiceInput
    from tests.support.payments import paid

    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 3}, price="19.99"), 2)]))
    order = IntakeActivities(db, settings).accept_order(
        AcceptOrderInput(request=request, at=datetime.now(UTC))
    )
    paid(db, order)
    invoice = InvoicingActivities(db, settings).issue_invoice(
        IssueInvoiceInput(order_id=order.order_id, payment_reference="pay_x", at=datetime.now(UTC))
    )
    assert invoice.number in ordino("invoices", "list", "--order", order.order_id).stdout
    shown = ordino("invoices", "show", invoice.number, "--pdf", str(tmp_path / "inv.pdf"))
    assert shown.exit_code == 0 and "44.88 EUR" in shown.stdout
    assert (tmp_path / "inv.pdf").read_bytes().startswith(b"%PDF")
    assert ordino("invoices", "show", "INV-1999-000009").exit_code == 1


async def test_support_refunds_from_the_terminal(ordino, stack, catalog):
    import asyncio

    from tests.support.api_orders import wait_for_status

    api, _, _ = stack
    response = await api.post("/orders", json=order_body([(catalog({"MIL": 1}, price="20.00"), 1)]))
    order_id = response.json()["order_id"]
    await wait_for_status(api, order_id, "shipped")

    def refund(*args: str):
        return ordino("orders", "refund", order_id, *args)

    done = await asyncio.to_thread(
        refund, "--amount", "5.00", "--reason", "scratched box", "--reference", "T-9"
    )
    assert done.exit_code == 0, done.stdout
    assert "refunded 5.00" in done.stdout and "CN-" in done.stdout
    too_much = await asyncio.to_thread(refund, "--amount", "500", "--reason", "oops", "--reference", "T-10")
    assert too_much.exit_code == 1 and "refund_exceeds_captured" in too_much.stdout
    garbage = await asyncio.to_thread(refund, "--amount", "five", "--reason", "oops", "--reference", "T-11")
    assert garbage.exit_code == 1 and "invalid_amount" in garbage.stdout
    notes = await asyncio.to_thread(ordino, "invoices", "credit-notes", "--order", order_id)
    assert "scratched box" in notes.stdout
    [number] = [w for w in done.stdout.split() if w.startswith("CN-")]
    shown = await asyncio.to_thread(ordino, "orders", "show", order_id)
    assert f"credit   {number}  5.00 EUR on INV-" in shown.stdout and "scratched box" in shown.stdout
    # The terminal's actor is whoever runs it.
    refunds = [
        e for e in (await api.get(f"/orders/{order_id}")).json()["timeline"] if e["type"] == "refund_issued"
    ]
    assert [e["actor"] for e in refunds] == [f"{getpass.getuser()} (cli)"]


def test_keys_are_made_listed_and_revoked_from_the_terminal(ordino, db, monkeypatch):
    made = ordino("keys", "create", "shop-terminal", "--role", "channel", "--scope", "webshop")
    assert made.exit_code == 0, made.stdout
    key = made.stdout.strip().splitlines()[-1]
    principal = api_keys.principal(db, key)
    assert principal is not None and (principal.role, principal.scope) == (Role.CHANNEL, "webshop")
    assert principal.key_id in ordino("keys", "list").stdout
    # A command run with the key in ORDINO_API_KEY names the key as its actor.
    monkeypatch.setenv("ORDINO_API_KEY", key)
    from starter.cli.support import actor

    assert actor() == "shop-terminal (channel)"
    revoked = ordino("keys", "revoke", principal.key_id)
    assert revoked.exit_code == 0 and api_keys.principal(db, key) is None
    unscoped = ordino("keys", "create", "x", "--role", "warehouse")
    assert unscoped.exit_code == 1 and "invalid_body" in unscoped.stdout


def test_prices_promotions_tax_and_quotes_from_the_terminal(ordino, catalog, tmp_path):
    sku = catalog({"MIL": 5}, price="10.00")
    code = f"CLI-{uuid.uuid4().hex[:6].upper()}"
    assert ordino("prices", "create", code, "Phone desk", "EUR", "--channel", "phone").exit_code == 0
    assert ordino("prices", "set", code, sku, "9.50").exit_code == 0
    assert sku in ordino("prices", "show", code).output
    off_unit = ordino("prices", "set", code, sku, "9.505")
    assert off_unit.exit_code == 1 and "invalid_amount" in off_unit.output
    clash = ordino("prices", "create", f"{code}-2", "Phone again", "EUR", "--channel", "phone")
    assert clash.exit_code == 1 and "overlapping_validity" in clash.output

    coupon = f"CLI{uuid.uuid4().hex[:6].upper()}"
    options = ["--value", "5", "--currency", "EUR", "--coupon", "--usage-limit", "2"]
    made = ordino("promotions", "create", coupon, "Five off", "fixed_amount", *options)
    assert made.exit_code == 0, made.output
    assert coupon in ordino("promotions", "list").output

    basket = order_body([(sku, 2)], channel="phone", coupons=[coupon])
    path = tmp_path / "basket.json"
    priced = {k: basket[k] for k in ("channel", "shipping_address", "lines", "currency", "coupons")}
    path.write_text(json.dumps(priced))
    quoted = ordino("quote", str(path))
    assert quoted.exit_code == 0, quoted.output
    # 2 x 9.50 from the phone list, 5.00 off, 4.90 shipping
    assert "-5.00 EUR" in quoted.output and "total 18.90 EUR" in quoted.output

    assert ordino("promotions", "pause", coupon).exit_code == 0
    paused = ordino("quote", str(path))
    assert paused.exit_code == 1 and "coupon_not_applicable" in paused.output

    assert "22%" in ordino("tax", "regions").output
    later = ordino("tax", "set-rate", "DE", "reduced", "0.05", "--valid-from", "2040-01-01", "--supersede")
    assert later.exit_code == 0, later.output
    assert "→ 2040-01-01" in ordino("tax", "rates", "DE").output
