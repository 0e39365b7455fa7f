"""Price and tax a basket from what PostgreSQL says is in force at a moment; the arithmetic
is domain.quote. Used by order intake and by POST /quotes, so a quote and the order
placed from it agree."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import pricing
from db.models import Product
from domain.errors import ErrorCode, OrdinoError
from domain.money import Rounding, minor_unit, round_money
from domain.orders import Basket
from domain.promotions import Promotion, why_not_applicable
from domain.quote import PricedItem, Quote, build_quote
from domain.shipping_charges import choose_tier
from domain.tax import reverse_charge_applies
from settings import ChannelConfig


def _plain(rate: Decimal) -> Decimal:
    """0.2200 -> 0.22, without the exponent notation normalize() gives integers."""
    return rate.quantize(Decimal(1)) if rate == rate.to_integral() else rate.normalize()


def price_order(
    s: Session, request: Basket, channel: ChannelConfig, seller_country: str, at: datetime
) -> Quote:
    currency = request.currency
    minor_unit(currency)  # rejects unknown currencies
    skus = [line.sku for line in request.lines]
    products = {p.sku: p for p in s.scalars(select(Product).where(Product.sku.in_(skus)))}
    unknown = [sku for sku in skus if sku not in products]
    if unknown:
        raise OrdinoError(ErrorCode.UNKNOWN_SKU, f"Unknown SKU: {', '.join(unknown)}", {"skus": unknown})

    prices = pricing.prices(s, skus, request.channel, currency, at)
    unpriced = [sku for sku in skus if sku not in prices]
    if unpriced:
        raise OrdinoError(
            ErrorCode.PRICE_MISSING,
            f"No {currency} price on the {request.channel} channel for: {', '.join(unpriced)}",
            {"skus": unpriced, "currency": currency, "channel": request.channel},
        )

    address = request.shipping_address
    region = pricing.tax_region(s, address.country, address.region)
    if region is None:
        needs_region = pricing.country_has_regions(s, address.country)
        raise OrdinoError(
            ErrorCode.UNSUPPORTED_DESTINATION,
            f"Tax for {address.country} depends on the state or province: give the address a region"
            if needs_region
            else f"Ordino does not ship to {address.country}",
            {"country": address.country, "region": address.region},
        )
    rates = pricing.tax_rates(s, region.code, at)
    zone, tiers = pricing.shipping_tiers(s, address.country, currency)
    if zone is None:
        raise OrdinoError(
            ErrorCode.UNSUPPORTED_DESTINATION,
            f"Ordino does not ship to {address.country}",
            {"country": address.country},
        )
    unit_prices = {sku: round_money(prices[sku], currency) for sku in skus}
    basket = sum((unit_prices[line.sku] * line.quantity for line in request.lines), Decimal(0))
    weight = sum(products[line.sku].weight_grams * line.quantity for line in request.lines)
    tier = choose_tier(tiers, weight, basket)
    if tier is None:
        raise OrdinoError(
            ErrorCode.UNSUPPORTED_CURRENCY,
            f"No shipping rate to {address.country} in {currency}",
            {"currency": currency, "country": address.country, "zone": zone},
        )
    needed = {products[sku].tax_class for sku in skus} | {tier.tax_class}
    missing = sorted(needed - rates.keys())
    if missing:
        raise OrdinoError(
            ErrorCode.UNSUPPORTED_DESTINATION,
            f"No tax rate in force in {region.code} for {', '.join(missing)}",
            {"region": region.code, "tax_classes": missing},
        )
    items = [
        PricedItem(
            sku=line.sku,
            name=products[line.sku].name,
            quantity=line.quantity,
            unit_price=unit_prices[line.sku],
            tax_rate=_plain(rates[products[line.sku].tax_class]),
        )
        for line in request.lines
    ]
    promotions = _promotions(s, request, basket, at)
    return build_quote(
        items,
        currency,
        channel.prices_include_tax,
        tier.price,
        _plain(rates[tier.tax_class]),
        Rounding(region.rounding),
        promotions=promotions,
        reverse_charge=reverse_charge_applies(request.vat_id, seller_country, address.country),
        buyer_vat_id=request.vat_id,
        tax_classes=[products[sku].tax_class for sku in skus],
        shipping_tax_class=tier.tax_class,
        shipping_zone=zone,
        tax_region=region.code,
    )


def _promotions(s: Session, request: Basket, basket: Decimal, at: datetime) -> list[Promotion]:
    """The running automatic promotions the basket qualifies for, and every coupon given,
    each of which must apply (a coupon that silently does nothing is a support call)."""
    skus = {line.sku for line in request.lines}
    chosen = [
        p
        for p in pricing.automatic_promotions(s, request.channel, at)
        if why_not_applicable(p, request.channel, request.currency, at, basket, skus) is None
    ]
    found = pricing.coupons(s, request.coupons)
    for code in request.coupons:
        promo = found.get(code)
        if promo is None:
            raise OrdinoError(ErrorCode.UNKNOWN_COUPON, f"There is no coupon {code}", {"coupon": code})
        reason = why_not_applicable(promo, request.channel, request.currency, at, basket, skus)
        if reason is not None:
            raise OrdinoError(
                ErrorCode.COUPON_NOT_APPLICABLE,
                f"Coupon {code} does not apply: {reason}",
                {"coupon": code, "reason": reason},
            )
        if promo.uses_left == 0:
            raise OrdinoError(ErrorCode.COUPON_EXHAUSTED, f"Coupon {code} has been used up", {"coupon": code})
        chosen.append(promo)
    return chosen
