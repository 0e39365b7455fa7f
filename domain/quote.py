"""Pricing and tax of a basket. Discounts come off the shown prices first, then tax is
rounded per line on each discounted line, and every total is a sum of rounded parts, so
the order total, the payment and the invoice agree to the minor unit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.money import Rounding, round_money
from domain.promotions import AppliedDiscount, Promotion, PromotionKind, apply_promotions
from domain.tax import REVERSE_CHARGE_NOTE, split_tax


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
    # Taken off unit_price x quantity before tax (on the shown, inclusive or exclusive, price).
    discount: Decimal = Decimal(0)
    # None on quotes made before tax classes were recorded.
    tax_class: str | None = None


class ShippingCharge(BaseModel):
    model_config = ConfigDict(frozen=True)

    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    discount: Decimal = Decimal(0)
    tax_class: str | None = None
    zone: str | None = None


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
    # Defaults keep quotes stored before promotions and tax regions readable.
    discounts: list[AppliedDiscount] = []
    tax_region: str | None = None
    rounding: Rounding = Rounding.HALF_UP
    reverse_charge: bool = False
    buyer_vat_id: str | None = None
    notes: list[str] = []

    @property
    def discount_total(self) -> Decimal:
        return sum((d.amount for d in self.discounts), Decimal(0))


def build_quote(
    items: list[PricedItem],
    currency: str,
    prices_include_tax: bool,
    shipping_price: Decimal,
    shipping_tax_rate: Decimal,
    rounding: Rounding = Rounding.HALF_UP,
    *,
    promotions: Sequence[Promotion] = (),
    reverse_charge: bool = False,
    buyer_vat_id: str | None = None,
    tax_classes: Sequence[str] = (),
    shipping_tax_class: str = "standard",
    shipping_zone: str | None = None,
    tax_region: str | None = None,
) -> Quote:
    """Price a basket. `promotions` must already be the applicable ones. Under reverse
    charge no VAT is charged: inclusive prices give up the VAT they contain and the quote
    is net, so the invoice shows net unit prices that add up to its net totals."""
    if reverse_charge:
        if prices_include_tax:
            items = [
                it.model_copy(
                    update={"unit_price": round_money(it.unit_price / (1 + it.tax_rate), currency, rounding)}
                )
                for it in items
            ]
            shipping_price = round_money(shipping_price / (1 + shipping_tax_rate), currency, rounding)
            prices_include_tax = False
        items = [it.model_copy(update={"tax_rate": Decimal(0)}) for it in items]
        shipping_tax_rate = Decimal(0)
    amounts = [round_money(it.unit_price * it.quantity, currency, rounding) for it in items]
    discounted = apply_promotions(
        [it.sku for it in items], [it.quantity for it in items], amounts, promotions, currency
    )

    def taxed(amount: Decimal, rate: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(rate, net, tax, total) of a discounted amount."""
        return (rate, *split_tax(amount, rate, currency, prices_include_tax, rounding))

    lines: list[QuoteLine] = []
    for i, item in enumerate(items):
        discount = discounted.line_discounts[i]
        rate, net, tax, total = taxed(amounts[i] - discount, item.tax_rate)
        lines.append(
            QuoteLine(
                line_no=i + 1,
                sku=item.sku,
                name=item.name,
                quantity=item.quantity,
                unit_price=item.unit_price,
                discount=discount,
                net=net,
                tax_rate=rate,
                tax=tax,
                total=total,
                tax_class=tax_classes[i] if tax_classes else None,
            )
        )

    applied = list(discounted.applied)
    list_shipping = round_money(shipping_price, currency, rounding)
    shipping_discount = Decimal(0)
    if discounted.free_shipping and list_shipping > 0:
        shipping_discount = list_shipping
        # An automatic offer comes first, so a free-shipping coupon is not used up for nothing.
        free = min(
            (p for p in promotions if p.kind is PromotionKind.FREE_SHIPPING), key=lambda p: (p.coupon, p.code)
        )
        applied.append(
            AppliedDiscount(
                code=free.code,
                description=free.description,
                kind=free.kind,
                amount=list_shipping,
                coupon=free.coupon,
            )
        )
    s_rate, s_net, s_tax, s_total = taxed(list_shipping - shipping_discount, shipping_tax_rate)
    shipping = ShippingCharge(
        net=s_net,
        tax_rate=s_rate,
        tax=s_tax,
        total=s_total,
        discount=shipping_discount,
        tax_class=shipping_tax_class,
        zone=shipping_zone,
    )

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
        discounts=applied,
        tax_region=tax_region,
        rounding=rounding,
        reverse_charge=reverse_charge,
        buyer_vat_id=buyer_vat_id,
        notes=[REVERSE_CHARGE_NOTE] if reverse_charge else [],
    )
