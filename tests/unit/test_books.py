"""What an order may still give back: one rule for goodwill refunds, cancelled parcels,
failed parcels and returns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.books import MoneyBooks
from domain.errors import ErrorCode, OrdinoError

D = Decimal


def captured_from_two_parcels() -> MoneyBooks:
    books = MoneyBooks(currency="EUR")
    books.record_captures({"MIL": D("24.90"), "BER": D("40.00")}, {"MIL": D("4.90")})
    return books


def code_of(books: MoneyBooks, reference: str, amount: str) -> ErrorCode | None:
    try:
        books.check_goodwill(reference, D(amount))
    except OrdinoError as err:
        return err.code
    return None


def test_what_is_refundable_is_what_was_captured_less_every_refund():
    books = captured_from_two_parcels()
    assert books.refundable() == D("64.90")
    books.record_refund("goodwill-1", D("10.00"), asked=D("10.00"))
    books.record_return("R1", charged=D("5.00"), refunded=D("20.00"))
    assert books.refundable() == D("39.90")


def test_a_cancelled_parcel_gives_back_its_goods_and_a_failed_one_no_more_than_is_left():
    books = captured_from_two_parcels()
    assert books.goods_paid_from("MIL") == D("20.00")  # its capture less the shipping it paid
    assert books.goods_paid_from("BER") == D("40.00")
    books.record_refund("goodwill-1", D("50.00"), asked=D("50.00"))
    assert books.parcel_refund("BER") == D("14.90")


def test_goodwill_refunds_are_checked_against_the_books():
    assert code_of(MoneyBooks(), "G-1", "1.00") is ErrorCode.NO_CAPTURE
    books = captured_from_two_parcels()
    assert code_of(books, "G-1", "1.001") is ErrorCode.INVALID_AMOUNT
    assert code_of(books, "G-1", "64.91") is ErrorCode.REFUND_EXCEEDS_CAPTURED
    assert code_of(books, "G-1", "64.90") is None
    books.record_refund("G-1", D("64.90"), asked=D("64.90"))
    assert code_of(books, "G-1", "64.90") is None  # the same refund asked for again
    assert code_of(books, "G-1", "1.00") is ErrorCode.IDEMPOTENCY_CONFLICT
    assert code_of(books, "G-2", "0.01") is ErrorCode.REFUND_EXCEEDS_CAPTURED


@pytest.mark.parametrize("currency", ["JPY", "KWD"])
def test_refundable_is_in_the_currency_minor_unit(currency):
    books = MoneyBooks(currency=currency)
    books.record_captures({"MIL": D("100")}, {})
    books.record_refund("G-1", D("33"))
    assert books.refundable() == D("67")


def test_a_goodwill_limit_holds_for_the_order_in_all_and_a_retry_is_the_same_refund():
    books = captured_from_two_parcels()
    books.check_goodwill("gw-1", D("60.00"), limit=D("62"))
    books.record_refund("gw-1", D("60.00"), asked=D("60.00"))
    with pytest.raises(OrdinoError) as refused:
        books.check_goodwill("gw-2", D("4.00"), limit=D("62"))
    assert refused.value.code is ErrorCode.FORBIDDEN and refused.value.details["given"] == "60.00"
    books.check_goodwill("gw-1", D("60.00"), limit=D("62"))  # asked again: the refund made
    books.check_goodwill("gw-2", D("4.00"))  # without a limit (finance) it is allowed
