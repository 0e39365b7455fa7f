"""Pricing and tax of a basket. Tax is rounded per line, and every total is a sum of
rounded parts, so the order total, the payment and the invoice agree to the cent."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.money import Rounding, round_money


class PricedItem(BaseModel):
    """A basket line with its catalog unit price and the tax rate of its class at the destination."""

    model_config = ConfigDict(frozen=True)

    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal


class QuoteLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


class ShippingCharge(BaseModel):
    model_config = ConfigDict(frozen=True)

    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal


class TaxBucket(BaseModel):
    model_config = ConfigDict(frozen=True)

    rate: Decimal
    net: Decimal
    tax: Decimal


class Quote(BaseModel):
    model_config = ConfigDict(frozen=True)

    currency: str
    prices_include_tax: bool
    lines: list[QuoteLine]
    shipping: ShippingCharge
    net_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    tax_breakdown: list[TaxBucket]


def split_amount(
    gross_or_net: Decimal,
    rate: Decimal,
    currency: str,
    includes_tax: bool,
    rounding: Rounding,
) -> tuple[Decimal, Decimal, Decimal]:
    """Return (net, tax, total) of one amount, each at the currency's minor unit.

    An inclusive amount keeps its total and the tax is carved out of it, so the
    customer pays exactly the shown price; net + tax == total always holds.
    """
    amount = round_money(gross_or_net, currency, rounding)
    if includes_tax:
        tax = round_money(amount * rate / (1 + rate), currency, rounding)
        return amount - tax, tax, amount
    tax = round_money(amount * rate, currency, rounding)
    return amount, tax, amount + tax


def build_quote(
    items: list[PricedItem],
    currency: str,
    prices_include_tax: bool,
    shipping_price: Decimal,
    shipping_tax_rate: Decimal,
    rounding: Rounding = Rounding.HALF_UP,
) -> Quote:
    lines: list[QuoteLine] = []
    for line_no, item in enumerate(items, start=1):
        net, tax, total = split_amount(
            item.unit_price * item.quantity, item.tax_rate, currency, prices_include_tax, rounding
        )
        lines.append(
            QuoteLine(
                line_no=line_no,
                sku=item.sku,
                name=item.name,
                quantity=item.quantity,
                unit_price=item.unit_price,
                net=net,
                tax_rate=item.tax_rate,
                tax=tax,
                total=total,
            )
        )
    s_net, s_tax, s_total = split_amount(
        shipping_price, shipping_tax_rate, currency, prices_include_tax, rounding
    )
    shipping = ShippingCharge(net=s_net, tax_rate=shipping_tax_rate, tax=s_tax, total=s_total)

    buckets: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for rate, net, tax in [(ln.tax_rate, ln.net, ln.tax) for ln in lines] + [
        (shipping.tax_rate, shipping.net, shipping.tax)
    ]:
        buckets[rate][0] += net
        buckets[rate][1] += tax

    return Quote(
        currency=currency,
        prices_include_tax=prices_include_tax,
        lines=lines,
        shipping=shipping,
        net_total=sum((ln.net for ln in lines), shipping.net),
        tax_total=sum((ln.tax for ln in lines), shipping.tax),
        grand_total=sum((ln.total for ln in lines), shipping.total),
        tax_breakdown=[
            TaxBucket(rate=rate, net=net, tax=tax) for rate, (net, tax) in sorted(buckets.items())
        ],
    )
