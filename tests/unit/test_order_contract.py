"""PlaceOrder, the body of POST /orders: validation, order ids and request fingerprints."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from contracts.ids import order_workflow_id
from domain.orders import OrderRequest, PlaceOrder, order_id_for


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "channel": "webshop",
        "external_id": "WS-1001",
        "customer": {"id": "cust-42", "email": "ada@example.com", "name": "Ada Lovelace"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "Via Roma 1",
            "postal_code": "20121",
            "city": "Milano",
            "country": "IT",
        },
        "lines": [{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        "currency": "EUR",
        "payment_token": "tok_visa",
    } | overrides


def address(**overrides: Any) -> dict[str, Any]:
    return body()["shipping_address"] | overrides


def test_valid_order():
    order = PlaceOrder.model_validate(body())
    assert order.order_id == "webshop-WS-1001"
    assert order_workflow_id(order.order_id) == "order-webshop-WS-1001"


def test_the_workflow_gets_the_order_without_its_payment_token():
    order = PlaceOrder.model_validate(body(payment_token="tok_secret"))
    content = order.without_payment_token()
    assert type(content) is OrderRequest and "tok_secret" not in content.model_dump_json()
    assert content.fingerprint() == order.fingerprint()
    assert content == OrderRequest.model_validate(content.model_dump(mode="json"))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(
            {"lines": [{"sku": "MUG-1", "quantity": 1}, {"sku": "MUG-1", "quantity": 2}]}, id="dup-sku"
        ),
        pytest.param({"lines": [{"sku": "MUG-1", "quantity": 0}]}, id="qty-0"),
        pytest.param({"lines": [{"sku": "MUG-1", "quantity": -1}]}, id="qty-negative"),
        pytest.param({"lines": [{"sku": "MUG-1", "quantity": 1001}]}, id="qty-too-large"),
        pytest.param({"lines": []}, id="no-lines"),
        pytest.param({"currency": "eur"}, id="currency-lowercase"),
        pytest.param({"currency": "EURO"}, id="currency-4-letters"),
        pytest.param({"currency": "E1R"}, id="currency-digit"),
        pytest.param({"shipping_address": address(country="it")}, id="country-lowercase"),
        pytest.param({"shipping_address": address(country="ITA")}, id="country-3-letters"),
        pytest.param({"shipping_address": address(city="   ")}, id="blank-city"),
        pytest.param({"channel": "web-shop"}, id="channel-with-dash"),
        pytest.param({"external_id": "WS 1001"}, id="external-id-space"),
        pytest.param({"external_id": ""}, id="external-id-empty"),
        pytest.param({"gift_wrap": True}, id="extra-top-level"),
        pytest.param({"shipping_address": address(floor=3)}, id="extra-nested"),
        pytest.param({"customer": {"id": "c", "email": "not-an-email", "name": "X"}}, id="bad-email"),
    ],
)
def test_invalid_bodies_are_rejected(overrides):
    with pytest.raises(ValidationError):
        PlaceOrder.model_validate(body(**overrides))


def test_duplicate_sku_error_says_why():
    lines = [{"sku": "MUG-1", "quantity": 1}, {"sku": "MUG-1", "quantity": 2}]
    with pytest.raises(ValidationError, match="one line only"):
        PlaceOrder.model_validate(body(lines=lines))


def test_quantity_bounds_are_inclusive():
    order = PlaceOrder.model_validate(
        body(lines=[{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1000}])
    )
    assert [ln.quantity for ln in order.lines] == [1, 1000]


channels = st.from_regex(r"[a-z0-9_]{1,32}", fullmatch=True)
external_ids = st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True)


def accepted(channel: str, external_id: str) -> bool:
    try:
        PlaceOrder.model_validate(body(channel=channel, external_id=external_id))
    except ValidationError:
        return False
    return True


@given(channels, external_ids)
def test_order_id_is_unambiguous(channel, external_id):
    """No other valid (channel, external id) pair reads as the same order id."""
    order_id = order_id_for(channel, external_id)
    splits = [(order_id[:i], order_id[i + 1 :]) for i, c in enumerate(order_id) if c == "-"]
    assert [pair for pair in splits if accepted(*pair)] == [(channel, external_id)]


def test_fingerprint_is_stable_for_equal_content():
    a = PlaceOrder.model_validate(body())
    reordered = dict(reversed(list(body().items())))
    reordered["customer"] = {"name": "Ada Lovelace", "email": "ada@example.com", "id": "cust-42"}
    b = PlaceOrder.model_validate(reordered)
    assert a.fingerprint() == b.fingerprint()
    assert len(a.fingerprint()) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"lines": [{"sku": "MUG-1", "quantity": 3}, {"sku": "TEA-7", "quantity": 1}]},
        {"shipping_address": address(line1="Via Roma 2")},
        {"currency": "USD"},
    ],
)
def test_fingerprint_changes_with_content(change):
    assert (
        PlaceOrder.model_validate(body()).fingerprint()
        != PlaceOrder.model_validate(body(**change)).fingerprint()
    )
