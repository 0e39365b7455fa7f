"""Money: minor units per ISO 4217, rounding, unsupported currencies."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.money import Rounding, is_minor_unit, minor_unit, quantum, round_money


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3)])
def test_minor_units(currency, digits):
    assert minor_unit(currency) == digits
    assert quantum(currency) == D(1).scaleb(-digits)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.20", "EUR", True),
        ("12.2", "EUR", True),
        ("12.205", "EUR", False),
        ("100", "JPY", True),
        ("100.5", "JPY", False),
        ("1.234", "KWD", True),
        ("1.2345", "KWD", False),
    ],
)
def test_is_minor_unit(amount, currency, expected):
    assert is_minor_unit(D(amount), currency) is expected


@pytest.mark.parametrize(
    ("amount", "currency", "half_up", "half_even"),
    [
        ("2.345", "EUR", "2.35", "2.34"),
        ("2.355", "EUR", "2.36", "2.36"),
        ("2.3449", "EUR", "2.34", "2.34"),
        ("10.5", "JPY", "11", "10"),
        ("0.0125", "KWD", "0.013", "0.012"),
    ],
)
def test_round_money(amount, currency, half_up, half_even):
    assert round_money(D(amount), currency, Rounding.HALF_UP) == D(half_up)
    assert round_money(D(amount), currency, Rounding.HALF_EVEN) == D(half_even)
    assert round_money(D(amount), currency) == D(half_up)  # half-up is the default


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", "EURO"])
def test_unknown_currency_raises_unsupported_currency(currency):
    for call in (minor_unit, quantum, lambda c: round_money(D("1"), c), lambda c: is_minor_unit(D("1"), c)):
        with pytest.raises(OrdinoError) as exc:
            call(currency)
        assert exc.value.code == ErrorCode.UNSUPPORTED_CURRENCY
        assert HTTP_STATUS[exc.value.code] == 422


def test_every_error_code_has_an_http_status():
    assert set(HTTP_STATUS) == set(ErrorCode)
    assert all(400 <= s < 600 for s in HTTP_STATUS.values())
