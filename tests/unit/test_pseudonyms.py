"""Temporal's search attributes are in the clear: a customer id that is an e-mail address
is shown and searched there as a stable, keyed pseudonym; other ids as they are."""

from __future__ import annotations

import pytest

from domain.orders import PlaceOrder
from domain.pseudonyms import PSEUDONYM_PREFIX, customer_search_id
from settings import ChannelConfig, MissingSecret, Settings
from starter.operations.intake import initial_search_attributes, order_summary
from tests.support.bodies import order_body
from workflows.search_attributes import CUSTOMER_ID


def key(value: bytes):
    return lambda: value


def test_an_email_address_becomes_a_stable_keyed_pseudonym():
    pseudonym = customer_search_id("ada@example.com", key(b"k1"))
    assert pseudonym.startswith(PSEUDONYM_PREFIX) and "ada" not in pseudonym
    assert pseudonym == customer_search_id("ada@example.com", key(b"k1"))
    assert pseudonym != customer_search_id("ada@example.com", key(b"k2"))
    assert pseudonym != customer_search_id("bob@example.com", key(b"k1"))


def test_any_other_id_stays_as_it_is_and_needs_no_key():
    def no_key() -> bytes:
        raise AssertionError("asked for the key")

    assert customer_search_id("cust-42", no_key) == "cust-42"


def test_the_workflow_s_search_attributes_and_summary_never_carry_the_address():
    request = PlaceOrder.model_validate(
        order_body([("MUG-CLASSIC", 2)], customer={"id": "ada@example.com", "email": "ada@example.com",
                                                   "name": "Ada Lovelace"})
    )  # fmt: skip
    start = Settings(customer_pseudonym_key="k1").order_start(request, ChannelConfig())
    assert start.customer_search_id == customer_search_id("ada@example.com", key(b"k1"))
    assert initial_search_attributes(start)[CUSTOMER_ID] == start.customer_search_id
    summary = order_summary(start, request)
    assert start.customer_search_id in summary and "ada" not in summary and "Ada" not in summary


def test_without_the_key_an_email_id_is_refused_by_name():
    with pytest.raises(MissingSecret, match="ORDINO_CUSTOMER_PSEUDONYM_KEY"):
        Settings(customer_pseudonym_key=None).customer_search_id("ada@example.com")
