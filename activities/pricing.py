"""Price and tax a basket from the catalog in PostgreSQL; the arithmetic is domain.quote."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Product, ProductPrice, TaxRate
from domain.errors import ErrorCode, OrdinoError
from domain.money import minor_unit, round_money
from domain.orders import PlaceOrder
from domain.quote import PricedItem, Quote, build_quote


def _plain(rate: Decimal) -> Decimal:
    """0.2200 -> 0.22, without the exponent notation normalize() gives integers."""
    return rate.quantize(Decimal(1)) if rate == rate.to_integral() else rate.normalize()


def price_order(
    session: Session,
    request: PlaceOrder,
    prices_include_tax: bool,
    shipping_fees: dict[str, Decimal],
) -> Quote:
    currency = request.currency
    minor_unit(currency)  # rejects unknown currencies
    skus = [line.sku for line in request.lines]
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    unknown = [sku for sku in skus if sku not in products]
    if unknown:
        raise OrdinoError(ErrorCode.UNKNOWN_SKU, f"Unknown SKU: {', '.join(unknown)}", {"skus": unknown})
    prices: dict[str, Decimal] = {
        sku: amount
        for sku, amount in session.execute(
            select(ProductPrice.sku, ProductPrice.amount).where(
                ProductPrice.sku.in_(skus), ProductPrice.currency == currency
            )
        )
    }
    unpriced = [sku for sku in skus if sku not in prices]
    if unpriced:
        raise OrdinoError(
            ErrorCode.PRICE_MISSING,
            f"No {currency} price for: {', '.join(unpriced)}",
            {"skus": unpriced, "currency": currency},
        )
    country = request.shipping_address.country
    rates: dict[str, Decimal] = {
        tax_class: rate
        for tax_class, rate in session.execute(
            select(TaxRate.tax_class, TaxRate.rate).where(TaxRate.country == country)
        )
    }
    needed = {products[sku].tax_class for sku in skus} | {"standard"}
    if not needed <= rates.keys():
        raise OrdinoError(
            ErrorCode.UNSUPPORTED_DESTINATION,
            f"Ordino does not ship to {country}",
            {"country": country},
        )
    if currency not in shipping_fees:
        raise OrdinoError(
            ErrorCode.UNSUPPORTED_CURRENCY,
            f"No shipping fee is configured in {currency}",
            {"currency": currency},
        )
    items = [
        PricedItem(
            sku=line.sku,
            name=products[line.sku].name,
            quantity=line.quantity,
            unit_price=round_money(prices[line.sku], currency),
            tax_rate=_plain(rates[products[line.sku].tax_class]),
        )
        for line in request.lines
    ]
    return build_quote(
        items, currency, prices_include_tax, shipping_fees[currency], _plain(rates["standard"])
    )
