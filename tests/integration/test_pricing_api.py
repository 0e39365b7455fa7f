"""Prices, promotions, shipping and tax through the API: quotes, orders, payments and
invoices agree to the cent, coupons are never over-consumed, and administration refuses
what would make prices ambiguous."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from contracts.ids import order_workflow_id
from db.models import Order, PromotionRow, ShippingRate, ShippingZone
from domain.money import is_minor_unit
from domain.orders import PlaceOrder
from tests.support.api_orders import wait_for_status
from tests.support.bodies import ACME_GMBH, order_body


def basket(lines: list[tuple[str, int]], vat_id: str | None = None, **overrides: object) -> dict:
    body = order_body(lines, **overrides)
    vat_id = vat_id or body["customer"].get("vat_id")
    priced = {"channel", "shipping_address", "lines", "currency", "coupons"}
    return {k: v for k, v in body.items() if k in priced} | ({"vat_id": vat_id} if vat_id else {})


def address(country: str, region: str | None = None) -> dict:
    return {"name": "A. Buyer", "line1": "Main St 1", "postal_code": "10001", "city": "Town",
            "country": country, "region": region}  # fmt: skip


def code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"


async def new_coupon(api, **fields: object) -> str:
    body = {"code": code("C"), "description": "test coupon", "coupon": True} | fields
    response = await api.post("/promotions", json=body)
    assert response.status_code == 201, response.text
    return body["code"]


async def test_a_quote_is_what_the_order_then_costs_and_what_is_charged_and_invoiced(stack, db, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5, "BER": 5}, price="33.33")
    coupon = await new_coupon(api, kind="percentage", value="0.15")
    lines = [(sku, 7), ("BEANS-1KG", 1)]
    quoted = await api.post("/quotes", json=basket(lines, coupons=[coupon]))
    assert quoted.status_code == 200, quoted.text
    q = quoted.json()
    # 7 x 33.33 + 24.50 = 257.81; 15% off is 38.67, spread over the lines by what each is worth.
    assert [d["amount"] for d in q["discounts"]] == ["38.67", "4.90"]  # the coupon, then free shipping
    assert [ln["discount"] for ln in q["lines"]] == ["35.00", "3.67"]
    assert q["shipping"]["total"] == "0.00" and q["grand_total"] == "219.14"

    placed = await api.post("/orders", json=order_body(lines, coupons=[coupon]))
    assert placed.status_code == 201, placed.text
    assert placed.json()["quote"] == q
    order = await wait_for_status(api, placed.json()["order_id"], "shipped")
    captured = sum(Decimal(p["amount"]) for p in order["payments"] if p["operation"] == "capture")
    invoiced = sum(Decimal(i["grand_total"]) for i in order["invoices"])
    assert len(order["invoices"]) == 2  # split between Milan and Berlin
    assert captured == invoiced == Decimal(q["grand_total"])


async def test_prices_and_tax_of_a_us_state_are_added_on_top(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5})
    await api.put("/price-lists/BASE-USD/prices", json=[{"sku": sku, "amount": "19.99"}])
    body = basket([(sku, 3)], channel="us_web", currency="USD", shipping_address=address("US", "NY"))
    q = (await api.post("/quotes", json=body)).json()
    # 59.97 before tax, 8.875% New York City sales tax 5.32; 5.90 shipping from 50 USD, taxed too.
    assert (q["prices_include_tax"], q["tax_region"]) == (False, "US-NY")
    assert [(ln["net"], ln["tax"]) for ln in q["lines"]] == [("59.97", "5.32")]
    assert (q["shipping"]["net"], q["shipping"]["tax"]) == ("5.90", "0.52")
    assert q["grand_total"] == "71.71"
    no_state = await api.post("/quotes", json=body | {"shipping_address": address("US")})
    assert (no_state.status_code, no_state.json()["code"]) == (422, "unsupported_destination")
    assert "state or province" in no_state.json()["message"]


async def test_reverse_charge_for_an_eu_business_reaches_the_invoice(stack, catalog):
    api, _, _ = stack
    sku = catalog({"BER": 5}, price="122.00")
    customer = ACME_GMBH | {"vat_id": "de 123.456.788"}  # as people write it
    body = order_body([(sku, 1)], channel="b2b", customer=customer, shipping_address=address("DE"))
    placed = await api.post("/orders", json=body)
    assert placed.status_code == 201, placed.text
    q = placed.json()["quote"]
    # Trade prices before VAT, and no VAT on them nor on shipping.
    assert (q["reverse_charge"], q["tax_total"], q["lines"][0]["total"]) == (True, "0.00", "122.00")
    assert q["buyer_vat_id"] == "DE123456788" and "Reverse charge" in q["notes"][0]
    order = await wait_for_status(api, placed.json()["order_id"], "shipped")
    invoice = (await api.get(f"/invoices/{order['invoices'][0]['number']}")).json()
    assert invoice["notes"] and "Reverse charge" in invoice["notes"][0]
    assert invoice["buyer"]["vat_id"] == "DE123456788" and invoice["tax_total"] == "0.00"
    assert (invoice["prices_include_tax"], invoice["lines"][0]["unit_price"]) == (False, "122.00")
    pdf = await api.get(f"/invoices/{invoice['number']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    refund = {"amount": "10.00", "reason": "scratched casing", "reference": "T-rc"}
    assert (await api.post(f"/orders/{order['id']}/refunds", json=refund)).status_code == 201
    [note] = (await api.get("/credit-notes", params={"order_id": order["id"]})).json()
    assert "Reverse charge" in note["notes"][0] and note["tax_total"] == "0.00"

    domestic = await api.post("/quotes", json=basket([(sku, 1)], channel="b2b", vat_id="IT01234560157"))
    assert domestic.json()["reverse_charge"] is False and domestic.json()["lines"][0]["tax"] == "26.84"


async def test_a_consumer_channel_charges_vat_to_a_business_customer(stack, catalog):
    api, _, _ = stack
    sku = catalog({"BER": 5}, price="122.00")
    body = order_body([(sku, 1)], customer=ACME_GMBH, shipping_address=address("DE"))  # the webshop
    to_germany = basket([(sku, 1)], vat_id=ACME_GMBH["vat_id"], shipping_address=address("DE"))
    quoted = (await api.post("/quotes", json=to_germany)).json()
    placed = await api.post("/orders", json=body)
    assert placed.status_code == 201, placed.text
    q = placed.json()["quote"]
    # 19% German VAT carved out of the shown price, as for any customer of the shop.
    assert (q["reverse_charge"], q["notes"], q["lines"][0]["tax"]) == (False, [], "19.48")
    assert q == quoted and q["buyer_vat_id"] == "DE123456788"


async def test_a_vat_number_that_cannot_exist_is_refused_and_nothing_is_written(stack, db, catalog):
    api, client, _ = stack
    sku = catalog({"BER": 5})
    wrong = ACME_GMBH | {"vat_id": "DE 123 456 789"}  # DE123456788 with its check digit mistyped
    body = order_body([(sku, 1)], channel="b2b", customer=wrong, shipping_address=address("DE"))
    refused = await api.post("/orders", json=body)
    assert refused.status_code == 422, refused.text
    answer = refused.json()
    assert answer["code"] == "invalid_vat_id" and answer["request_id"]
    assert answer["details"] == {
        "field": "customer.vat_id",
        "vat_id": "DE123456789",
        "reason": "invalid_check_digit",
    }
    order_id = f"b2b-{body['external_id']}"
    with db.reader() as s:
        assert s.get(Order, order_id) is None
    with pytest.raises(RPCError) as missing:
        await client.get_workflow_handle(order_workflow_id(order_id)).describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND

    for vat_id, reason in (("DE123456789", "invalid_check_digit"), ("GB123456789", "unknown_country")):
        to_germany = basket([(sku, 1)], channel="b2b", vat_id=vat_id, shipping_address=address("DE"))
        quote = await api.post("/quotes", json=to_germany)
        assert (quote.status_code, quote.json()["code"]) == (422, "invalid_vat_id"), quote.text
        assert quote.json()["details"]["field"] == "vat_id" and quote.json()["details"]["reason"] == reason

    corrected = await api.post("/orders", json=body | {"customer": ACME_GMBH})  # the same order, now placed
    assert corrected.status_code == 201, corrected.text


async def test_coupons_are_used_at_most_their_limit_under_concurrent_orders(stack, db, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 50})
    coupon = await new_coupon(api, kind="fixed_amount", value="1.00", currency="EUR", usage_limit=3)
    responses = await asyncio.gather(
        *(api.post("/orders", json=order_body([(sku, 1)], coupons=[coupon])) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 5
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"coupon_exhausted"}
    with db.reader() as s:
        assert s.scalar(select(PromotionRow.times_used).where(PromotionRow.code == coupon)) == 3
    used_up = await api.post("/quotes", json=basket([(sku, 1)], coupons=[coupon]))
    assert (used_up.status_code, used_up.json()["code"]) == (409, "coupon_exhausted")


async def test_a_cancelled_order_gives_its_coupon_back(stack, db, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5})
    coupon = await new_coupon(api, kind="percentage", value="0.5", usage_limit=1)
    placed = await api.post(
        "/orders", json=order_body([(sku, 1)], coupons=[coupon], payment_token="tok_declined")
    )
    assert placed.status_code == 201, placed.text
    await wait_for_status(api, placed.json()["order_id"], "cancelled")
    with db.reader() as s:
        assert s.scalar(select(PromotionRow.times_used).where(PromotionRow.code == coupon)) == 0
    again = await api.post("/orders", json=order_body([(sku, 1)], coupons=[coupon]))
    assert again.status_code == 201, again.text


async def test_coupon_refusals_say_why(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5})
    expired = await new_coupon(
        api,
        kind="percentage",
        value="0.1",
        valid_from="2020-01-01T00:00:00Z",
        valid_to="2020-02-01T00:00:00Z",
    )
    minimum = await new_coupon(api, kind="percentage", value="0.1", currency="EUR", min_subtotal="500.00")
    cases = [
        ("NO-SUCH-COUPON", 422, "unknown_coupon"),
        (expired, 422, "coupon_not_applicable"),
        (minimum, 422, "coupon_not_applicable"),
        ("BEANS-2OFF", 422, "coupon_not_applicable"),  # no beans in the basket
    ]
    for coupon, status, error in cases:
        response = await api.post("/orders", json=order_body([(sku, 1)], coupons=[coupon]))
        assert (response.status_code, response.json()["code"]) == (status, error), (coupon, response.text)
    assert (
        "500.00" in (await api.post("/quotes", json=basket([(sku, 1)], coupons=[minimum]))).json()["message"]
    )


async def test_a_channel_price_list_wins_only_while_it_is_valid(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5}, price="10.00")
    now = datetime.now(UTC)
    day = timedelta(days=1)
    current = {"code": code("MKT"), "name": "Marketplace", "channel": "marketplace", "currency": "EUR",
               "valid_from": (now - day).isoformat(), "valid_to": (now + day).isoformat(),
               "prices": [{"sku": sku, "amount": "8.00"}]}  # fmt: skip
    assert (await api.post("/price-lists", json=current)).status_code == 201
    marketplace = (await api.post("/quotes", json=basket([(sku, 1)], channel="marketplace"))).json()
    webshop = (await api.post("/quotes", json=basket([(sku, 1)]))).json()
    assert (marketplace["lines"][0]["total"], webshop["lines"][0]["total"]) == ("8.00", "10.00")

    clash = current | {"code": code("MKT"), "valid_from": now.isoformat(), "valid_to": None}
    response = await api.post("/price-lists", json=clash)
    assert (response.status_code, response.json()["code"]) == (409, "overlapping_validity")
    ended = await api.post(f"/price-lists/{current['code']}/end", json={"at": now.isoformat()})
    assert ended.status_code == 200, ended.text
    assert (await api.post("/price-lists", json=clash)).status_code == 201


async def test_price_lists_are_listed_over_http_and_in_the_terminal(stack, ordino, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 1})
    body = {"code": code("LIST"), "name": "Listed", "currency": "USD", "channel": "us_web",
            "valid_from": "2031-01-01T00:00:00Z", "prices": [{"sku": sku, "amount": "3.00"}]}  # fmt: skip
    assert (await api.post("/price-lists", json=body)).status_code == 201
    listed = await api.get("/price-lists")
    assert listed.status_code == 200, listed.text
    by_code = {pl["code"]: pl for pl in listed.json()}
    assert by_code[body["code"]]["price_count"] == 1
    assert by_code["BASE-EUR"]["channel"] is None
    shown = ordino("prices", "list")
    assert shown.exit_code == 0, shown.output
    assert body["code"] in shown.output and "BASE-EUR" in shown.output


async def test_price_list_administration_refuses_bad_input(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 1})
    body = {"code": code("PL"), "name": "x", "currency": "JPY", "channel": "b2b",
            "prices": [{"sku": sku, "amount": "-1"}]}  # fmt: skip
    cases = [
        (body, 422, "invalid_body"),
        (body | {"prices": [{"sku": sku, "amount": "100.5"}]}, 422, "invalid_amount"),  # yen have no cents
        (body | {"prices": [{"sku": "NOPE", "amount": "100"}]}, 422, "unknown_sku"),
        (body | {"channel": "nowhere", "prices": []}, 422, "unknown_channel"),
        (
            body | {"code": "BASE-EUR", "currency": "EUR", "channel": None, "prices": []},
            409,
            "price_list_exists",
        ),
    ]
    for payload, status, error in cases:
        response = await api.post("/price-lists", json=payload)
        assert (response.status_code, response.json()["code"]) == (status, error), (payload, response.text)
    missing = await api.post("/orders", json=order_body([(sku, 1)], currency="JPY"))
    assert (missing.status_code, missing.json()["code"]) == (422, "price_missing")
    unknown = await api.get("/price-lists/NO-SUCH")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "price_list_not_found")


async def test_a_tax_rate_change_takes_effect_on_its_date_and_overlaps_are_refused(stack, db, catalog):
    api, _, _ = stack
    region = {"code": "PT", "name": "Portugal", "country": "PT", "rounding": "half_even"}
    created = await api.post("/tax/regions", json=region)
    assert created.status_code == 201, created.text
    rate = {"tax_class": "standard", "rate": "0.23", "valid_from": "2020-01-01T00:00:00Z"}
    first = await api.post("/tax/regions/PT/rates", json=rate)
    assert first.status_code == 201, first.text
    overlap = await api.post("/tax/regions/PT/rates", json=rate | {"valid_from": "2030-01-01T00:00:00Z"})
    assert (overlap.status_code, overlap.json()["code"]) == (409, "overlapping_validity")
    change = rate | {"rate": "0.25", "valid_from": "2030-01-01T00:00:00Z", "supersede": True}
    assert (await api.post("/tax/regions/PT/rates", json=change)).status_code == 201
    history = (await api.get("/tax/regions/PT/rates")).json()
    assert [(r["rate"], r["valid_to"] is None) for r in history] == [("0.23", False), ("0.25", True)]
    assert (await api.get("/tax/regions/PT")).json()["rates_in_force"] == {"standard": "0.23"}
    later = await api.get("/tax/regions/PT", params={"at": "2031-01-01T00:00:00Z"})
    assert later.json()["rates_in_force"] == {"standard": "0.25"}

    # The region rounds half to even: 23% of 1.50 is 0.345, which rounds to 0.34, not 0.35.
    with db.transaction() as s:
        s.add(ShippingZone(code="PT", name="Portugal", countries=["PT"]))
        s.flush()
        s.add(
            ShippingRate(
                zone="PT", currency="EUR", from_measure=0, basis="weight", price=0, tax_class="standard"
            )
        )
    sku = catalog({"MIL": 1}, price="1.50")
    b2b = (
        await api.post("/quotes", json=basket([(sku, 1)], channel="b2b", shipping_address=address("PT")))
    ).json()
    assert (b2b["rounding"], b2b["lines"][0]["tax"]) == ("half_even", "0.34")

    bad = [
        ({"tax_class": "luxury", "rate": "0.3"}, 422, "invalid_body"),
        ({"tax_class": "standard", "rate": "1.5"}, 422, "invalid_body"),
    ]
    for payload, status, error in bad:
        response = await api.post("/tax/regions/PT/rates", json=payload)
        assert (response.status_code, response.json()["code"]) == (status, error), response.text
    nowhere = await api.post("/tax/regions/XX/rates", json=rate)
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "tax_region_not_found")


async def test_orders_in_currencies_without_cents_or_with_three_decimals_add_up(stack, db, catalog):
    api, _, _ = stack
    for currency, price, shipping in (("JPY", "1999", "800"), ("KWD", "3.335", "1.250")):
        sku = catalog({"MIL": 9, "BER": 9})
        list_code = code(f"BASE-{currency}")
        made = await api.post(
            "/price-lists", json={"code": list_code, "name": currency, "currency": currency}
        )
        assert made.status_code == 201, made.text
        with db.transaction() as s:
            s.add(ShippingRate(zone="IT", currency=currency, from_measure=0, basis="weight",
                               price=Decimal(shipping), tax_class="standard"))  # fmt: skip
        await api.put(f"/price-lists/{list_code}/prices", json=[{"sku": sku, "amount": price}])
        placed = await api.post("/orders", json=order_body([(sku, 13)], currency=currency))
        assert placed.status_code == 201, placed.text
        q = placed.json()["quote"]
        order = await wait_for_status(api, placed.json()["order_id"], "shipped")
        captures = [Decimal(p["amount"]) for p in order["payments"] if p["operation"] == "capture"]
        invoices = [Decimal(i["grand_total"]) for i in order["invoices"]]
        assert len(captures) == len(invoices) == 2  # split parcels, each captured and invoiced
        assert sum(captures) == sum(invoices) == Decimal(q["grand_total"])
        amounts = [*captures, *invoices, Decimal(q["tax_total"]), Decimal(q["grand_total"])]
        assert all(is_minor_unit(a, currency) for a in amounts), amounts


async def test_the_readme_examples_price(stack):
    api, _, _ = stack
    examples = Path(__file__).parents[2] / "examples"
    quoted = await api.post("/quotes", json=json.loads((examples / "quote.json").read_text()))
    assert quoted.status_code == 200, quoted.text
    # 5 x 24.50 + 59.00 - 10.00 (beans) - 17.15 (10%) = 154.35 after discounts: over 150, ships free.
    assert [d["code"] for d in quoted.json()["discounts"]] == ["BEANS-2OFF", "WELCOME10", "FREESHIP-150"]
    for name in ("order.json", "order-us.json", "order-b2b-de.json"):
        order = PlaceOrder.model_validate_json((examples / name).read_text())
        response = await api.post("/quotes", json=order.basket.model_dump(mode="json"))
        assert response.status_code == 200, (name, response.text)


async def test_thresholds_look_at_the_discounted_basket_and_useless_coupons_are_refused(stack, db, catalog):
    api, _, _ = stack
    half = await new_coupon(api, kind="percentage", value="0.5")
    # Two kettles are 159.80: free shipping from 150, but not once half of it is taken off.
    full = (await api.post("/quotes", json=basket([("KETTLE-GOOSE", 2)]))).json()
    halved = (await api.post("/quotes", json=basket([("KETTLE-GOOSE", 2)], coupons=[half.lower()]))).json()
    assert [d["code"] for d in full["discounts"]] == ["FREESHIP-150"]
    assert [d["code"] for d in halved["discounts"]] == [half] and halved["shipping"]["total"] == "4.90"

    free = await new_coupon(api, kind="free_shipping", usage_limit=1)
    sku = catalog({"MIL": 5})
    await api.put("/price-lists/BASE-USD/prices", json=[{"sku": sku, "amount": "120.00"}])
    us = basket(
        [(sku, 1)], channel="us_web", currency="USD", shipping_address=address("US", "TX"), coupons=[free]
    )
    useless = await api.post("/quotes", json=us)  # over 100 USD, the US parcel ships free anyway
    assert (useless.status_code, useless.json()["code"]) == (422, "coupon_not_applicable")
    overrides = {k: us[k] for k in ("channel", "currency", "shipping_address", "coupons")}
    placed = await api.post("/orders", json=order_body([(sku, 1)], **overrides))
    assert placed.status_code == 422
    with db.reader() as s:
        assert s.scalar(select(PromotionRow.times_used).where(PromotionRow.code == free)) == 0


async def test_a_foreign_vat_number_does_not_take_vat_off_a_domestic_delivery(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 5}, price="12.20")
    q = (await api.post("/quotes", json=basket([(sku, 1)], channel="b2b", vat_id="de123456788"))).json()
    assert (q["reverse_charge"], q["lines"][0]["tax"]) == (False, "2.68")  # shipped within Italy


async def test_twin_administration_requests_create_one_thing_and_refuse_the_rest(stack):
    api, _, _ = stack
    promo = {
        "code": code("TWIN"),
        "description": "twin",
        "kind": "percentage",
        "value": "0.05",
        "coupon": True,
    }
    region = {"code": "SE", "name": "Sweden", "country": "SE"}
    for path, body in (("/promotions", promo), ("/tax/regions", region)):
        answers = await asyncio.gather(*(api.post(path, json=body) for _ in range(6)))
        assert sorted(r.status_code for r in answers) == [201] + [409] * 5, [r.text for r in answers]
    late = promo | {"code": code("LATE"), "valid_to": "2020-01-01T00:00:00Z"}  # ends before it starts (now)
    refused = await api.post("/promotions", json=late)
    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_body")
