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
from domain.promotions import Promotion, PromotionKind, apply_promotions, why_not_applicable
from domain.quote import PricedItem, Quote, build_quote
from domain.shipping_charges import choose_tier
from domain.tax import reverse_charge_applies
from settings import ChannelConfig


def _plain(rate: Decimal) -> Decimal:
    """0.2200 -> 0.22, without the exponent notation normalize() gives integers."""
    return rate.quantize(Decimal(1)) if rate == rate.to_integral() else rate.normalize()


def price_order(
    s: Session,
    request: Basket,
    channel: ChannelConfig,
    seller_country: str,
    at: datetime,
    held_coupons: frozenset[str] = frozenset(),
) -> Quote:
    """Price a basket as of `at`. `held_coupons` are already used by the order being priced
    again (an edit), so they count even if no use is left for anyone else."""
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
    amounts = [unit_prices[line.sku] * line.quantity for line in request.lines]
    basket = sum(amounts, Decimal(0))
    discounts, free_shipping = _promotions(s, request, basket, at, held_coupons)
    # Shipping tiers by value and free-shipping thresholds look at what the goods cost after
    # their discounts: a coupon cannot lift a basket over a threshold it no longer reaches.
    cut = apply_promotions(skus, [line.quantity for line in request.lines], amounts, discounts, currency)
    goods = basket - sum(cut.line_discounts, Decimal(0))
    free_shipping = [
        p
        for p in free_shipping
        if _keep(p, why_not_applicable(p, request.channel, currency, at, goods, set(skus)))
    ]
    weight = sum(products[line.sku].weight_grams * line.quantity for line in request.lines)
    tier = choose_tier(tiers, weight, goods)
    if tier is None:
        raise OrdinoError(
            ErrorCode.NO_SHIPPING_RATE,
            f"No shipping rate to {address.country} in {currency} for this parcel",
            {"currency": currency, "country": address.country, "zone": zone, "weight_grams": weight},
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
    quote = build_quote(
        items,
        currency,
        channel.prices_include_tax,
        tier.price,
        _plain(rates[tier.tax_class]),
        Rounding(region.rounding),
        promotions=discounts + free_shipping,
        reverse_charge=reverse_charge_applies(
            request.vat_id, seller_country, address.country, business_channel=channel.sells_to_businesses
        ),
        buyer_vat_id=request.vat_id,
        tax_classes=[products[sku].tax_class for sku in skus],
        shipping_tax_class=tier.tax_class,
        shipping_zone=zone,
        tax_region=region.code,
    )
    given = {d.code for d in quote.discounts}
    for code in request.coupons:
        if code not in given:  # e.g. free shipping on a parcel that already ships free
            raise OrdinoError(
                ErrorCode.COUPON_NOT_APPLICABLE,
                f"Coupon {code} does not apply: it takes nothing off this order",
                {"coupon": code, "reason": "nothing to take off"},
            )
    return quote


def _keep(promo: Promotion, reason: str | None) -> bool:
    """Keep an automatic promotion that applies; a coupon that does not is an error."""
    if reason is None:
        return True
    if promo.coupon:
        raise OrdinoError(
            ErrorCode.COUPON_NOT_APPLICABLE,
            f"Coupon {promo.code} does not apply: {reason}",
            {"coupon": promo.code, "reason": reason},
        )
    return False


def _promotions(
    s: Session, request: Basket, basket: Decimal, at: datetime, held: frozenset[str]
) -> tuple[list[Promotion], list[Promotion]]:
    """The discounts and the free-shipping offers in play: running automatic promotions and
    every coupon given. A discount's minimum is checked here on the basket before
    discounts; free shipping's later, on the discounted basket. A coupon that does not
    apply is refused: one that silently does nothing is a support call."""
    skus = {line.sku for line in request.lines}
    found = pricing.coupons(s, request.coupons)
    for code in request.coupons:
        if code not in found:
            raise OrdinoError(ErrorCode.UNKNOWN_COUPON, f"There is no coupon {code}", {"coupon": code})
        if found[code].uses_left == 0 and code not in held:
            raise OrdinoError(ErrorCode.COUPON_EXHAUSTED, f"Coupon {code} has been used up", {"coupon": code})
    offered = pricing.automatic_promotions(s, request.channel, at) + [found[c] for c in request.coupons]
    discounts, free_shipping = [], []
    for promo in offered:
        if promo.kind is PromotionKind.FREE_SHIPPING:
            # Its threshold waits for the discounted basket; everything else is checked now.
            early = promo.model_copy(update={"min_subtotal": None})
            if _keep(promo, why_not_applicable(early, request.channel, request.currency, at, basket, skus)):
                free_shipping.append(promo)
        elif _keep(promo, why_not_applicable(promo, request.channel, request.currency, at, basket, skus)):
            discounts.append(promo)
    return discounts, free_shipping
