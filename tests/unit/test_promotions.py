"""Promotions on hand-computed baskets, and when they apply."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from domain.money import distribute
from domain.promotions import Promotion, PromotionKind, apply_promotions, why_not_applicable

JAN = datetime(2026, 1, 1, tzinfo=UTC)


def promo(kind: PromotionKind, value: str = "0", **fields: object) -> Promotion:
    return Promotion(code=str(fields.pop("code", "P")), description="d", kind=kind, value=D(value),
                     valid_from=JAN, **fields)  # fmt: skip


def test_a_product_discount_per_unit_never_exceeds_its_line():
    result = apply_promotions(
        ["A", "B"],
        [3, 1],
        [D("6.00"), D("9.00")],
        [promo(PromotionKind.FIXED_AMOUNT, "2.50", skus=("A",))],
        "EUR",
    )
    assert result.line_discounts == [D("6.00"), D("0")]  # 3 x 2.50 = 7.50, capped at the line's 6.00
    assert [d.amount for d in result.applied] == [D("6.00")]


def test_an_order_discount_is_spread_by_what_each_line_is_worth_after_product_discounts():
    result = apply_promotions(
        ["A", "B", "C"],
        [1, 1, 1],
        [D("10.00"), D("10.00"), D("10.00")],
        [
            promo(PromotionKind.FIXED_AMOUNT, "1.00", code="ORDER"),
            promo(PromotionKind.PERCENTAGE, "0.5", code="HALF-A", skus=("A",)),
        ],
        "EUR",
    )
    # A costs 5.00 after its own discount, B and C 10.00: the 1.00 splits 0.20 / 0.40 / 0.40.
    assert result.line_discounts == [D("5.20"), D("0.40"), D("0.40")]
    assert [d.code for d in result.applied] == ["HALF-A", "ORDER"]


def test_a_fixed_order_discount_stops_at_zero_and_free_shipping_is_flagged():
    result = apply_promotions(
        ["A"],
        [1],
        [D("3")],
        [promo(PromotionKind.FIXED_AMOUNT, "500"), promo(PromotionKind.FREE_SHIPPING)],
        "JPY",
    )
    assert result.line_discounts == [D("3")] and result.free_shipping


def test_allocation_sums_exactly_and_favours_the_largest_remainder():
    assert distribute(D("0.10"), {"a": D("1"), "b": D("1"), "c": D("1")}, "EUR") == {
        "a": D("0.04"), "b": D("0.03"), "c": D("0.03"),
    }  # fmt: skip
    assert distribute(D("0.005"), {"x": D("2"), "y": D("1")}, "KWD") == {"x": D("0.003"), "y": D("0.002")}


@pytest.mark.parametrize(
    ("fields", "at", "subtotal", "reason"),
    [
        ({}, JAN, D("10"), None),
        ({"active": False}, JAN, D("10"), "no longer active"),
        ({"valid_to": JAN}, JAN, D("10"), "expired"),
        ({"channel": "b2b"}, JAN, D("10"), "only for the b2b channel"),
        ({"currency": "USD"}, JAN, D("10"), "only for orders in USD"),
        ({"currency": "EUR", "min_subtotal": D("50")}, JAN, D("49.99"), "at least 50 EUR"),
        ({"skus": ("Z",)}, JAN, D("10"), "none of its products"),
    ],
)
def test_why_a_promotion_does_not_apply(fields, at, subtotal, reason):
    found = why_not_applicable(
        promo(PromotionKind.PERCENTAGE, "0.1", **fields), "webshop", "EUR", at, subtotal, {"A"}
    )
    assert (found is None) if reason is None else (reason in found)
