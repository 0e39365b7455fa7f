"""Dividing an order's total between its parcels: exact to the minor unit, every time."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.fulfillment import plan_fulfillments
from domain.money import distribute
from domain.orders import Reservation
from domain.promotions import Promotion, PromotionKind
from domain.quote import PricedItem, build_quote


def test_a_split_line_is_paid_by_the_units_each_warehouse_ships():
    quote = build_quote(
        [PricedItem(sku="A", name="A", quantity=3, unit_price=Decimal("10.00"), tax_rate=Decimal("0.22"))],
        "EUR",
        True,
        Decimal("4.90"),
        Decimal("0.22"),
    )
    plan = plan_fulfillments(
        quote,
        [
            Reservation(sku="A", warehouse="MIL", quantity=2),
            Reservation(sku="A", warehouse="BER", quantity=1),
        ],
    )
    assert [(f.warehouse, f.amount) for f in plan] == [("BER", Decimal("14.90")), ("MIL", Decimal("20.00"))]


def test_a_cent_that_cannot_be_shared_goes_to_the_largest_remainder():
    assert distribute(Decimal("10.00"), {"a": 1, "b": 1, "c": 1}, "EUR") == {
        "a": Decimal("3.34"),
        "b": Decimal("3.33"),
        "c": Decimal("3.33"),
    }
    assert distribute(Decimal("100"), {"x": 2, "y": 1}, "JPY") == {"x": Decimal("67"), "y": Decimal("33")}


currencies = st.sampled_from(["EUR", "JPY", "KWD"])


@given(
    st.lists(st.tuples(st.integers(1, 9), st.integers(1, 5000)), min_size=1, max_size=5),
    st.lists(st.sampled_from(["MIL", "BER", "PAR"]), min_size=1, max_size=3, unique=True),
    currencies,
    st.data(),
)
def test_parts_always_add_up_to_the_order_total(lines, warehouses, currency, data):
    step = Decimal(1).scaleb(-{"EUR": 2, "JPY": 0, "KWD": 3}[currency])
    items = [
        PricedItem(sku=f"S{i}", name="x", quantity=q, unit_price=p * step, tax_rate=Decimal("0.2"))
        for i, (q, p) in enumerate(lines)
    ]
    inclusive = data.draw(st.booleans())
    off = data.draw(st.integers(0, 100)) * step  # an order discount to spread over the parcels
    promo = Promotion(code="OFF", description="", kind=PromotionKind.FIXED_AMOUNT, value=off,
                      valid_from=datetime(2020, 1, 1, tzinfo=UTC))  # fmt: skip
    quote = build_quote(
        items, currency, inclusive, 5 * step, Decimal("0.2"), promotions=[promo] if off else []
    )
    reservations = []
    for item in items:  # spread each line's units over some of the warehouses
        left = item.quantity
        for wh in warehouses:
            take = left if wh == warehouses[-1] else data.draw(st.integers(0, left))
            if take:
                reservations.append(Reservation(sku=item.sku, warehouse=wh, quantity=take))
            left -= take
    plan = plan_fulfillments(quote, reservations)
    assert sum(f.amount for f in plan) == quote.grand_total
    for f in plan:  # each parcel's invoice adds up on its own
        for ln in f.lines:
            assert ln.net + ln.tax == ln.total
            assert ln.unit_price * ln.quantity - ln.discount == (ln.total if inclusive else ln.net)
    for line in quote.lines:
        parts = [ln for f in plan for ln in f.lines if ln.sku == line.sku]
        assert sum(ln.discount for ln in parts) == line.discount and sum(ln.tax for ln in parts) == line.tax
    assert all(f.amount == f.amount.quantize(step) and f.amount >= 0 for f in plan)
    assert {f.warehouse for f in plan} == {r.warehouse for r in reservations}


def test_parcel_lines_carry_their_share_of_net_and_tax():
    quote = build_quote(
        [
            PricedItem(sku="A", name="A", quantity=3, unit_price=Decimal("3.33"), tax_rate=Decimal("0.22")),
            PricedItem(sku="B", name="B", quantity=1, unit_price=Decimal("5.00"), tax_rate=Decimal("0.10")),
        ],
        "EUR",
        True,
        Decimal("4.90"),
        Decimal("0.22"),
    )
    plan = plan_fulfillments(
        quote,
        [
            Reservation(sku="A", warehouse="MIL", quantity=2),
            Reservation(sku="A", warehouse="BER", quantity=1),
            Reservation(sku="B", warehouse="MIL", quantity=1),
        ],
    )
    for part in plan:
        assert all(ln.net + ln.tax == ln.total for ln in part.lines)
        assert part.net_total + part.tax_total == part.amount
    assert sum(p.tax_total for p in plan) == quote.tax_total
    assert sum(p.net_total for p in plan) == quote.net_total
    assert [ln.quantity for p in plan for ln in p.lines] == [1, 2, 1]
