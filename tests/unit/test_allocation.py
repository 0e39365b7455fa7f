"""Warehouse allocation: one parcel when possible, preference order, splits, shortages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import allocate
from domain.errors import ErrorCode, OrdinoError

WH = ["MIL", "BER", "PAR"]


def plan(reservations) -> dict[str, tuple[str, int]]:
    return {r.sku: (r.warehouse, r.quantity) for r in reservations}


def test_single_warehouse_preferred_over_first_priority_with_some_lines():
    available = {("A", "MIL"): 5, ("A", "BER"): 2, ("B", "BER"): 1}
    assert plan(allocate({"A": 2, "B": 1}, available, WH)) == {"A": ("BER", 2), "B": ("BER", 1)}


def test_preference_order_respected_when_several_can_ship_all():
    available = {(sku, wh): 10 for sku in "AB" for wh in WH}
    assert plan(allocate({"A": 1, "B": 1}, available, ["PAR", "MIL", "BER"])) == {
        "A": ("PAR", 1),
        "B": ("PAR", 1),
    }


def test_split_when_no_single_warehouse_can_ship_all():
    available = {("A", "MIL"): 5, ("C", "MIL"): 5, ("A", "BER"): 5, ("B", "BER"): 5}
    result = plan(allocate({"A": 3, "B": 2, "C": 1}, available, WH))
    assert result == {"A": ("MIL", 3), "B": ("BER", 2), "C": ("MIL", 1)}


def test_insufficient_stock_reports_short_quantities():
    available = {("A", "MIL"): 3, ("A", "BER"): 6, ("B", "MIL"): 1}
    with pytest.raises(OrdinoError) as exc:
        allocate({"A": 10, "B": 1, "C": 2}, available, WH)
    assert exc.value.code == ErrorCode.INSUFFICIENT_STOCK
    # short against the best single warehouse: A 10 - 6; C is stocked nowhere
    assert exc.value.details == {"short": {"A": 4, "C": 2}}
    assert "A" in exc.value.message and "C" in exc.value.message and "B" not in exc.value.message


def test_a_line_is_never_split_across_warehouses():
    # 6 + 6 units exist, but each line ships from one warehouse (documented rule)
    with pytest.raises(OrdinoError) as exc:
        allocate({"A": 10}, {("A", "MIL"): 6, ("A", "BER"): 6}, WH)
    assert exc.value.details == {"short": {"A": 4}}


demands = st.dictionaries(st.sampled_from("ABCDE"), st.integers(1, 20), min_size=1)
stock = st.dictionaries(st.tuples(st.sampled_from("ABCDE"), st.sampled_from(WH)), st.integers(0, 20))


@given(demands, stock)
def test_plan_covers_demand_within_stock_or_names_what_is_short(demand, available):
    try:
        reservations = allocate(demand, available, WH)
    except OrdinoError as e:
        assert e.code == ErrorCode.INSUFFICIENT_STOCK
        short = e.details["short"]
        assert short and all(q > 0 for q in short.values())
        for sku, qty in demand.items():
            best = max(available.get((sku, w), 0) for w in WH)
            assert (sku in short) == (best < qty)
        return
    assert sorted(r.sku for r in reservations) == sorted(demand)
    for r in reservations:
        assert r.quantity == demand[r.sku]
        assert available.get((r.sku, r.warehouse), 0) >= r.quantity
    can_ship_all = [w for w in WH if all(available.get((s, w), 0) >= q for s, q in demand.items())]
    if can_ship_all:
        assert {r.warehouse for r in reservations} == {can_ship_all[0]}
