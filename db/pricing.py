"""What pricing reads: the price, tax rate, shipping tier and promotions in force at a
moment, for a channel, currency and destination."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_, select
from sqlalchemy.orm import Session

from db.models import (
    PriceList,
    PriceListPrice,
    PromotionRow,
    ShippingRate,
    ShippingZone,
    TaxRate,
    TaxRegion,
)
from domain.promotions import Promotion, PromotionKind
from domain.shipping_charges import RateBasis, ShippingTier


def in_force(
    valid_from: SQLColumnExpression[datetime], valid_to: SQLColumnExpression[datetime | None], at: datetime
) -> ColumnElement[bool]:
    return and_(valid_from <= at, or_(valid_to.is_(None), valid_to > at))


def prices(s: Session, skus: Iterable[str], channel: str, currency: str, at: datetime) -> dict[str, Decimal]:
    """Each SKU's price: the channel's own list wins over the list for every channel."""
    rows = s.execute(
        select(PriceListPrice.sku, PriceListPrice.amount, PriceList.channel)
        .join(PriceList, PriceList.code == PriceListPrice.price_list)
        .where(
            PriceListPrice.sku.in_(list(skus)),
            PriceList.currency == currency,
            or_(PriceList.channel == channel, PriceList.channel.is_(None)),
            in_force(PriceList.valid_from, PriceList.valid_to, at),
        )
        # All-channel rows first, so the channel's own row overwrites them below.
        .order_by(PriceList.channel.is_not(None))
    )
    return {sku: amount for sku, amount, _ in rows}


def tax_region(s: Session, country: str, subdivision: str | None) -> TaxRegion | None:
    """The state or province's own region if it has one, else the country's."""
    candidates = s.scalars(
        select(TaxRegion).where(
            TaxRegion.country == country,
            or_(TaxRegion.subdivision.is_(None), TaxRegion.subdivision == (subdivision or "").upper()),
        )
    ).all()
    return max(candidates, key=lambda r: r.subdivision is not None, default=None)


def country_has_regions(s: Session, country: str) -> bool:
    """Whether the country has tax regions at all (maybe only per state or province)."""
    return s.scalar(select(TaxRegion.code).where(TaxRegion.country == country).limit(1)) is not None


def tax_rates(s: Session, region: str, at: datetime) -> dict[str, Decimal]:
    return {
        tax_class: rate
        for tax_class, rate in s.execute(
            select(TaxRate.tax_class, TaxRate.rate).where(
                TaxRate.region == region, in_force(TaxRate.valid_from, TaxRate.valid_to, at)
            )
        )
    }


def shipping_tiers(s: Session, country: str, currency: str) -> tuple[str | None, list[ShippingTier]]:
    """The zone a country ships in and its tiers in the currency (empty if it has none)."""
    zone = s.scalar(select(ShippingZone.code).where(ShippingZone.countries.contains([country])).limit(1))
    if zone is None:
        return None, []
    rows = s.scalars(
        select(ShippingRate)
        .where(ShippingRate.zone == zone, ShippingRate.currency == currency)
        .order_by(ShippingRate.from_measure)
    )
    return zone, [
        ShippingTier(
            basis=RateBasis(r.basis), from_measure=r.from_measure, price=r.price, tax_class=r.tax_class
        )
        for r in rows
    ]


def to_promotion(row: PromotionRow) -> Promotion:
    return Promotion(
        code=row.code,
        description=row.description,
        kind=PromotionKind(row.kind),
        value=row.value,
        currency=row.currency,
        skus=tuple(row.skus),
        min_subtotal=row.min_subtotal,
        channel=row.channel,
        coupon=row.coupon,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        active=row.active,
        uses_left=None if row.usage_limit is None else max(row.usage_limit - row.times_used, 0),
    )


def automatic_promotions(s: Session, channel: str, at: datetime) -> list[Promotion]:
    """Promotions without a coupon code that are running now (the basket decides the rest)."""
    rows = s.scalars(
        select(PromotionRow).where(
            PromotionRow.coupon.is_(False),
            PromotionRow.active.is_(True),
            or_(PromotionRow.channel.is_(None), PromotionRow.channel == channel),
            in_force(PromotionRow.valid_from, PromotionRow.valid_to, at),
        )
    )
    return [to_promotion(r) for r in rows]


def coupons(s: Session, codes: Iterable[str]) -> dict[str, Promotion]:
    rows = s.scalars(select(PromotionRow).where(PromotionRow.code.in_(list(codes)), PromotionRow.coupon))
    return {r.code: to_promotion(r) for r in rows}
