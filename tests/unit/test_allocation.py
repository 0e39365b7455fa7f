"""Warehouse allocation: one parcel when possible, then the nearest warehouse, then priority;
splits across warehouses, and what is short."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import AllocationRule, Site, allocate, rank, require_complete
from domain.errors import ErrorCode, OrdinoError

MIL, BER, PAR = Site("MIL", "IT", 10), Site("BER", "DE", 20), Site("PAR", "FR", 30)
SITES = [MIL, BER, PAR]
R = AllocationRule


def plan(allocation) -> dict[tuple[str, str], int]:
    return {(r.sku, r.warehouse): r.quantity for r in allocation.plan}


def test_single_warehouse_beats_a_nearer_one_that_has_only_some_lines():
    available = {("A", "MIL"): 5, ("A", "BER"): 2, ("B", "BER"): 1}
    assert plan(allocate({"A": 2, "B": 1}, available, SITES, "IT")) == {("A", "BER"): 2, ("B", "BER"): 1}


def test_nearest_warehouse_wins_among_those_that_can_ship_everything():
    available = {(sku, s.code): 10 for sku in "AB" for s in SITES}
    assert set(allocate({"A": 1, "B": 1}, available, SITES, "FR").warehouses) == {"PAR"}
    assert set(allocate({"A": 1, "B": 1}, available, SITES, "MT").warehouses) == {"MIL"}
    assert set(allocate({"A": 1, "B": 1}, available, SITES, "PL").warehouses) == {"BER"}


def test_priority_decides_when_the_channel_ignores_distance():
    assert rank(SITES, "FR", (R.SINGLE_WAREHOUSE, R.PRIORITY)) == ["MIL", "BER", "PAR"]
    assert rank(SITES, "FR", (R.NEAREST, R.PRIORITY)) == ["PAR", "BER", "MIL"]


def test_unknown_destination_falls_back_to_priority():
    assert rank(SITES, "ZZ", (R.NEAREST, R.PRIORITY)) == ["MIL", "BER", "PAR"]


def test_split_when_no_single_warehouse_can_ship_everything():
    available = {("A", "MIL"): 5, ("C", "MIL"): 5, ("A", "BER"): 5, ("B", "BER"): 5}
    allocation = allocate({"A": 3, "B": 2, "C": 1}, available, SITES, "IT")
    assert plan(allocation) == {("A", "MIL"): 3, ("B", "BER"): 2, ("C", "MIL"): 1}
    assert allocation.warehouses == ["BER", "MIL"] and not allocation.short


def test_a_line_is_split_across_warehouses_when_none_has_it_all():
    allocation = allocate({"A": 10}, {("A", "MIL"): 6, ("A", "BER"): 6}, SITES, "IT")
    assert plan(allocation) == {("A", "MIL"): 6, ("A", "BER"): 4}


def test_no_split_channel_ships_from_one_warehouse_or_not_at_all():
    allocation = allocate({"A": 10}, {("A", "MIL"): 6, ("A", "BER"): 6}, SITES, "IT", split=False)
    assert allocation.plan == [] and allocation.short == {"A": 10}


def test_what_no_warehouse_has_is_short_and_rejected_with_a_code():
    available = {("A", "MIL"): 3, ("A", "BER"): 6, ("B", "MIL"): 1}
    allocation = allocate({"A": 10, "B": 1, "C": 2}, available, SITES, "IT")
    assert allocation.short == {"A": 1, "C": 2}
    with pytest.raises(OrdinoError) as exc:
        require_complete(allocation)
    assert exc.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert exc.value.details == {"short": {"A": 1, "C": 2}}


demands = st.dictionaries(st.sampled_from("ABCDE"), st.integers(1, 20), min_size=1)
stock = st.dictionaries(
    st.tuples(st.sampled_from("ABCDE"), st.sampled_from(["MIL", "BER", "PAR"])), st.integers(0, 20)
)


@given(demands, stock, st.sampled_from(["IT", "DE", "FR", "US"]))
def test_plan_never_exceeds_stock_and_accounts_for_every_unit(demand, available, destination):
    allocation = allocate(demand, available, SITES, destination)
    for (sku, wh), qty in plan(allocation).items():
        assert 0 < qty <= available.get((sku, wh), 0)
    for sku, qty in demand.items():
        planned = sum(q for (s, _), q in plan(allocation).items() if s == sku)
        assert planned + allocation.short.get(sku, 0) == qty
        total = sum(available.get((sku, s.code), 0) for s in SITES)
        assert allocation.short.get(sku, 0) == max(qty - total, 0)
    whole = [s.code for s in SITES if all(available.get((k, s.code), 0) >= q for k, q in demand.items())]
    if whole:
        assert len(allocation.warehouses) == 1 and allocation.warehouses[0] in whole
