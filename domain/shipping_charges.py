"""What shipping costs: a zone's price tiers by parcel weight or by order value."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class RateBasis(StrEnum):
    WEIGHT = "weight"  # tiers start at a weight in grams
    ORDER_VALUE = "order_value"  # tiers start at what the goods cost after their discounts


class ShippingTier(BaseModel):
    model_config = ConfigDict(frozen=True)

    basis: RateBasis
    from_measure: Decimal
    price: Decimal
    tax_class: str


def choose_tier(
    tiers: Sequence[ShippingTier], weight_grams: int, order_value: Decimal
) -> ShippingTier | None:
    """The tier with the highest start the order reaches (tiers of one zone and currency
    share a basis), or None when the order reaches none of them."""
    if not tiers:
        return None
    measure = Decimal(weight_grams) if tiers[0].basis is RateBasis.WEIGHT else order_value
    reached = [t for t in tiers if t.from_measure <= measure]
    return max(reached, key=lambda t: t.from_measure) if reached else None
