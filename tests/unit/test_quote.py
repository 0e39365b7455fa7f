"""build_quote on hand-computed baskets: inclusive and exclusive prices, currencies with
0, 2 and 3 decimals, rounding modes, and the tax breakdown per rate."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from domain.errors import ErrorCode, OrdinoError
from domain.money import Rounding
from domain.quote import PricedItem, TaxBucket, build_quote


def item(sku: str, qty: int, price: str, rate: str) -> PricedItem:
    return PricedItem(sku=sku, name=f"Product {sku}", quantity=qty, unit_price=D(price), tax_rate=D(rate))


def test_eu_inclusive_prices_carve_tax_out_of_the_shown_price():
    q = build_quote(
        [item("MUG", 2, "12.20", "0.22"), item("BOOK", 1, "5.50", "0.10")],
        "EUR",
        prices_include_tax=True,
        shipping_price=D("4.90"),
        shipping_tax_rate=D("0.22"),
    )
    mug, book = q.lines
    assert (mug.line_no, mug.net, mug.tax, mug.total) == (1, D("20.00"), D("4.40"), D("24.40"))
    assert (book.line_no, book.net, book.tax, book.total) == (2, D("5.00"), D("0.50"), D("5.50"))
    # 4.90 * 0.22 / 1.22 = 0.8836 -> 0.88
    assert (q.shipping.net, q.shipping.tax, q.shipping.total) == (D("4.02"), D("0.88"), D("4.90"))
    assert (q.net_total, q.tax_total, q.grand_total) == (D("29.02"), D("5.78"), D("34.80"))
    assert q.tax_breakdown == [
        TaxBucket(rate=D("0.10"), net=D("5.00"), tax=D("0.50")),
        TaxBucket(rate=D("0.22"), net=D("24.02"), tax=D("5.28")),
    ]


def test_b2b_exclusive_prices_add_tax_on_top():
    q = build_quote(
        [item("BOLT", 3, "19.99", "0.07")],
        "USD",
        prices_include_tax=False,
        shipping_price=D("10.00"),
        shipping_tax_rate=D("0"),
    )
    (line,) = q.lines
    # 59.97 * 0.07 = 4.1979 -> 4.20
    assert (line.net, line.tax, line.total) == (D("59.97"), D("4.20"), D("64.17"))
    assert (q.shipping.net, q.shipping.tax, q.shipping.total) == (D("10.00"), D("0"), D("10.00"))
    assert (q.net_total, q.tax_total, q.grand_total) == (D("69.97"), D("4.20"), D("74.17"))
    assert q.tax_breakdown == [
        TaxBucket(rate=D("0"), net=D("10.00"), tax=D("0")),
        TaxBucket(rate=D("0.07"), net=D("59.97"), tax=D("4.20")),
    ]


def test_jpy_has_no_decimals():
    q = build_quote(
        [item("TEA", 3, "1100", "0.10"), item("CUP", 1, "999", "0.08")],
        "JPY",
        prices_include_tax=False,
        shipping_price=D("500"),
        shipping_tax_rate=D("0.10"),
    )
    tea, cup = q.lines
    assert (tea.net, tea.tax, tea.total) == (D("3300"), D("330"), D("3630"))
    # 999 * 0.08 = 79.92 -> 80 yen, never 79.92
    assert (cup.net, cup.tax, cup.total) == (D("999"), D("80"), D("1079"))
    assert q.grand_total == D("5259")  # 3630 + 1079 + 550
    assert q.grand_total.as_tuple().exponent == 0


def test_kwd_has_three_decimals():
    q = build_quote(
        [item("OIL", 2, "1.234", "0.10")],
        "KWD",
        prices_include_tax=False,
        shipping_price=D("0.500"),
        shipping_tax_rate=D("0.10"),
    )
    (line,) = q.lines
    # 2.468 * 0.10 = 0.2468 -> 0.247 (not 0.25 as with two decimals)
    assert (line.net, line.tax, line.total) == (D("2.468"), D("0.247"), D("2.715"))
    assert (q.tax_total, q.grand_total) == (D("0.297"), D("3.265"))


@pytest.mark.parametrize(
    ("mode", "expected_tax"), [(Rounding.HALF_UP, D("0.01")), (Rounding.HALF_EVEN, D("0.00"))]
)
def test_exclusive_true_tie_follows_rounding_mode(mode, expected_tax):
    # 0.05 * 0.10 = 0.005 exactly
    q = build_quote([item("PIN", 1, "0.05", "0.10")], "EUR", False, D("0"), D("0"), mode)
    assert q.lines[0].tax == expected_tax
    assert q.grand_total == D("0.05") + expected_tax


@pytest.mark.parametrize(
    ("mode", "net", "tax"),
    [(Rounding.HALF_UP, D("5.02"), D("1.01")), (Rounding.HALF_EVEN, D("5.03"), D("1.00"))],
)
def test_inclusive_true_tie_follows_rounding_mode(mode, net, tax):
    # 6.03 * 0.20 / 1.20 = 1.005 exactly; the customer pays 6.03 either way
    q = build_quote([item("PEN", 1, "6.03", "0.20")], "EUR", True, D("0"), D("0"), mode)
    assert (q.lines[0].net, q.lines[0].tax, q.lines[0].total) == (net, tax, D("6.03"))


def test_half_even_rounds_a_tie_to_the_even_neighbour_upwards_too():
    # 0.15 * 0.10 = 0.015 -> 0.02 under both modes (2 is even)
    for mode in Rounding:
        q = build_quote([item("PIN", 1, "0.15", "0.10")], "EUR", False, D("0"), D("0"), mode)
        assert q.lines[0].tax == D("0.02")


def test_jpy_tie_follows_rounding_mode():
    # 105 * 0.10 = 10.5 yen
    up = build_quote([item("X", 1, "105", "0.10")], "JPY", False, D("0"), D("0"), Rounding.HALF_UP)
    even = build_quote([item("X", 1, "105", "0.10")], "JPY", False, D("0"), D("0"), Rounding.HALF_EVEN)
    assert (up.tax_total, even.tax_total) == (D("11"), D("10"))


def test_default_rounding_is_half_up():
    q = build_quote([item("PIN", 1, "0.05", "0.10")], "EUR", False, D("0"), D("0"))
    assert q.lines[0].tax == D("0.01")


def test_tax_is_rounded_per_line_not_on_the_total():
    # Each line: 0.10 * 0.05 = 0.005 -> 0.01; three lines = 0.03 (0.015 on the sum would give 0.02)
    lines = [item(f"S{i}", 1, "0.10", "0.05") for i in range(3)]
    q = build_quote(lines, "EUR", False, D("0"), D("0"))
    assert [ln.tax for ln in q.lines] == [D("0.01")] * 3
    assert q.tax_total == D("0.03")


def test_unknown_currency_is_rejected():
    with pytest.raises(OrdinoError) as exc:
        build_quote([item("X", 1, "1.00", "0.2")], "XYZ", True, D("0"), D("0"))
    assert exc.value.code == ErrorCode.UNSUPPORTED_CURRENCY
