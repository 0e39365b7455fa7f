"""Invariants of build_quote over random baskets, currencies, tax modes, rounding modes,
discounts and reverse charge: totals are sums of rounded parts, so the order total, the
payment and the invoice agree to the minor unit."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from domain.money import Rounding, is_minor_unit, minor_unit, quantum
from domain.promotions import Promotion, PromotionKind
from domain.quote import PricedItem, Quote, build_quote

RATES = [D(r) for r in ("0", "0.04", "0.055", "0.07", "0.1", "0.19", "0.2", "0.21", "0.22")]
CURRENCIES = ["EUR", "JPY", "KWD", "USD"]


@st.composite
def quotes(draw: st.DrawFn) -> tuple[list[PricedItem], Quote]:
    currency = draw(st.sampled_from(CURRENCIES))
    money = st.integers(0, 500_000).map(lambda n: D(n).scaleb(-minor_unit(currency)))
    items = [
        PricedItem(
            sku=f"SKU-{i}",
            name=f"Item {i}",
            quantity=draw(st.integers(1, 50)),
            unit_price=draw(money),
            tax_rate=draw(st.sampled_from(RATES)),
        )
        for i in range(draw(st.integers(1, 8)))
    ]
    inclusive = draw(st.booleans())
    quote = build_quote(
        items,
        currency,
        prices_include_tax=inclusive,
        shipping_price=draw(money),
        shipping_tax_rate=draw(st.sampled_from(RATES)),
        rounding=draw(st.sampled_from(list(Rounding))),
        promotions=draw(promotions(currency, [it.sku for it in items])),
        reverse_charge=draw(st.booleans()),
    )
    # Under reverse charge, inclusive prices become net ones: tell the tests what was shown.
    shown = [
        it.model_copy(update={"unit_price": q.unit_price}) for it, q in zip(items, quote.lines, strict=True)
    ]
    assert quote.reverse_charge or shown == items
    if quote.reverse_charge and inclusive:
        for it, ln in zip(items, quote.lines, strict=True):
            assert abs(ln.unit_price - it.unit_price / (1 + it.tax_rate)) <= quantum(currency) / 2
    return shown, quote


@st.composite
def promotions(draw: st.DrawFn, currency: str, skus: list[str]) -> list[Promotion]:
    """Up to four discounts: percentages or fixed amounts, on the order or on some products,
    and maybe free shipping."""
    money = st.integers(1, 100_000).map(lambda n: D(n).scaleb(-minor_unit(currency)))
    found = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(list(PromotionKind)))
        value = {
            PromotionKind.PERCENTAGE: draw(st.integers(1, 100).map(lambda n: D(n) / 100)),
            PromotionKind.FIXED_AMOUNT: draw(money),
            PromotionKind.FREE_SHIPPING: D(0),
        }[kind]
        on = (
            ()
            if kind is PromotionKind.FREE_SHIPPING
            else tuple(draw(st.lists(st.sampled_from(skus), unique=True)))
        )
        found.append(
            Promotion(
                code=f"P{i}",
                description="",
                kind=kind,
                value=value,
                currency=currency,
                skus=on,
                valid_from=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )
    return found


@given(quotes())
def test_totals_are_sums_of_parts(basket):
    _, q = basket
    assert q.grand_total == sum(ln.total for ln in q.lines) + q.shipping.total
    assert q.tax_total == sum(ln.tax for ln in q.lines) + q.shipping.tax
    assert q.net_total == sum(ln.net for ln in q.lines) + q.shipping.net
    assert q.net_total + q.tax_total == q.grand_total


@given(quotes())
def test_the_discount_allocation_sums_to_the_discount(basket):
    items, q = basket
    given = sum(ln.discount for ln in q.lines) + q.shipping.discount
    assert given == q.discount_total
    for it, ln in zip(items, q.lines, strict=True):
        assert 0 <= ln.discount <= it.unit_price * it.quantity  # never below zero, never more than the line


@given(quotes())
def test_every_amount_is_at_the_minor_unit(basket):
    _, q = basket
    amounts = [q.net_total, q.tax_total, q.grand_total, q.shipping.net, q.shipping.tax, q.shipping.total]
    amounts += [q.shipping.discount] + [d.amount for d in q.discounts]
    amounts += [a for ln in q.lines for a in (ln.net, ln.tax, ln.total, ln.discount)]
    amounts += [a for b in q.tax_breakdown for a in (b.net, b.tax)]
    assert all(is_minor_unit(a, q.currency) for a in amounts), amounts


@given(quotes())
def test_each_line_splits_into_net_and_tax(basket):
    items, q = basket
    for it, ln in zip(items, q.lines, strict=True):
        assert ln.net + ln.tax == ln.total
        assert ln.tax >= 0
        shown = it.unit_price * it.quantity - ln.discount  # tax is on the discounted price
        if q.reverse_charge:
            assert ln.tax == 0 and ln.tax_rate == 0 and ln.total == ln.net == shown
            assert not q.prices_include_tax  # a reverse-charged quote is net, lines and invoice alike
            continue
        if q.prices_include_tax:
            assert ln.total == shown  # the customer pays exactly the shown price
        else:
            assert ln.net == shown
        # the rounded tax is within half a minor unit of the exact tax
        exact = shown * it.tax_rate / (1 + it.tax_rate) if q.prices_include_tax else shown * it.tax_rate
        assert abs(ln.tax - exact) <= quantum(q.currency) / 2


@given(quotes())
def test_tax_breakdown_adds_up(basket):
    items, q = basket
    rates = [b.rate for b in q.tax_breakdown]
    assert rates == sorted(set(rates))
    charged = {D(0)} if q.reverse_charge else {it.tax_rate for it in items} | {q.shipping.tax_rate}
    assert set(rates) == charged
    assert sum(b.tax for b in q.tax_breakdown) == q.tax_total
    assert sum(b.net for b in q.tax_breakdown) == q.net_total
    for b in q.tax_breakdown:
        assert b.tax == sum(ln.tax for ln in q.lines if ln.tax_rate == b.rate) + (
            q.shipping.tax if q.shipping.tax_rate == b.rate else 0
        )
