"""Promotions: what a discount is, when it applies, and how much it takes off each line.

Discounts work on the prices the customer sees (tax-inclusive or not, as the channel
shows them). Product discounts come off their lines; an order discount is spread over the
lines in proportion to what is left of each, so every line is then taxed on its own
discounted price, and the parts always add up to the discount.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.money import distribute, round_money


class PromotionKind(StrEnum):
    PERCENTAGE = "percentage"  # value is a fraction: 0.10 takes 10% off
    FIXED_AMOUNT = "fixed_amount"  # value is money, off the order or off each unit of a product
    FREE_SHIPPING = "free_shipping"


class Promotion(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    description: str
    kind: PromotionKind
    value: Decimal = Decimal(0)
    # Fixed amounts and thresholds are money in one currency; percentages fit any currency.
    currency: str | None = None
    # Products the discount is for; none means the whole order.
    skus: tuple[str, ...] = ()
    # The basket (before discounts) must be worth at least this much.
    min_subtotal: Decimal | None = None
    channel: str | None = None
    coupon: bool = False
    valid_from: datetime
    valid_to: datetime | None = None
    active: bool = True
    # For coupons with a usage limit: how many uses remain (the database has the last word).
    uses_left: int | None = None


class AppliedDiscount(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    description: str
    kind: PromotionKind
    amount: Decimal
    coupon: bool = False


def why_not_applicable(
    promo: Promotion, channel: str, currency: str, at: datetime, subtotal: Decimal, skus: set[str]
) -> str | None:
    """The reason a promotion does not apply to this basket, or None if it does."""
    if not promo.active:
        return "the promotion is no longer active"
    if at < promo.valid_from:
        return f"valid from {promo.valid_from:%Y-%m-%d}"
    if promo.valid_to is not None and at >= promo.valid_to:
        return f"expired on {promo.valid_to:%Y-%m-%d}"
    if promo.channel is not None and promo.channel != channel:
        return f"only for the {promo.channel} channel"
    if promo.currency is not None and promo.currency != currency:
        return f"only for orders in {promo.currency}"
    if promo.min_subtotal is not None and subtotal < promo.min_subtotal:
        return f"needs a basket of at least {promo.min_subtotal} {promo.currency or currency}"
    if promo.skus and not skus & set(promo.skus):
        return "none of its products is in the basket"
    return None


class Discounted(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_discounts: list[Decimal]
    applied: list[AppliedDiscount]
    free_shipping: bool


def apply_promotions(
    skus: Sequence[str],
    quantities: Sequence[int],
    amounts: Sequence[Decimal],
    promotions: Sequence[Promotion],
    currency: str,
) -> Discounted:
    """Discount per line for the applicable promotions: product ones first, then order ones
    on what remains, in code order so the result never depends on how they were listed."""
    discounts = [Decimal(0)] * len(amounts)
    applied: list[AppliedDiscount] = []
    free_shipping = False

    def left(i: int) -> Decimal:
        return amounts[i] - discounts[i]

    ordered = sorted(promotions, key=lambda p: (not p.skus, p.code))
    for promo in ordered:
        if promo.kind is PromotionKind.FREE_SHIPPING:
            free_shipping = True
            continue
        taken = Decimal(0)
        if promo.skus:
            for i, sku in enumerate(skus):
                if sku not in promo.skus:
                    continue
                if promo.kind is PromotionKind.PERCENTAGE:
                    cut = round_money(left(i) * promo.value, currency)
                else:
                    cut = round_money(promo.value * quantities[i], currency)
                cut = min(cut, left(i))
                discounts[i] += cut
                taken += cut
        else:
            remaining = sum((left(i) for i in range(len(amounts))), Decimal(0))
            if promo.kind is PromotionKind.PERCENTAGE:
                taken = round_money(remaining * promo.value, currency)
            else:
                taken = min(round_money(promo.value, currency), remaining)
            shares = distribute(taken, {i: left(i) for i in range(len(amounts))}, currency)
            for i, share in shares.items():
                discounts[i] += share
        if taken > 0:
            applied.append(
                AppliedDiscount(
                    code=promo.code,
                    description=promo.description,
                    kind=promo.kind,
                    amount=taken,
                    coupon=promo.coupon,
                )
            )
    return Discounted(line_discounts=discounts, applied=applied, free_shipping=free_shipping)
