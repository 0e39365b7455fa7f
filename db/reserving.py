"""Allocate, check, reserve: the one path by which an order takes free stock, whether it is
accepted, edited to hold more, or an exchange's replacement. The allocation is planned from a
snapshot of free stock (domain/allocation.py); reserving enforces it with conditional
updates, and an order that loses a race for the last units plans again."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from db import stock
from domain.allocation import DEFAULT_RULES, Allocation, AllocationRule, allocate, require_complete
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Reservation

# How often an order that lost the race for the last units plans again before giving up.
ALLOCATION_ATTEMPTS = 5


def allocate_and_reserve(
    session: Session,
    demand: dict[str, int],
    destination: str,
    reserve: Callable[[list[Reservation]], None],
    rules: tuple[AllocationRule, ...] = DEFAULT_RULES,
    split: bool = True,
    complete: bool = True,
) -> Allocation:
    """Plan `demand` (sku -> units) from free stock for a destination country, refuse with
    insufficient_stock unless it is met in full (or `complete` is False: what is short is
    the allocation's `short`), and `reserve` the plan. `reserve` raises StockRaceLost when
    another order took the units since the snapshot: its writes are rolled back to a
    savepoint and the plan is made again from what is left."""
    for _ in range(ALLOCATION_ATTEMPTS):
        try:
            with session.begin_nested():
                allocation = allocate(
                    demand,
                    stock.availability(session, list(demand)),
                    stock.sites(session),
                    destination,
                    rules,
                    split,
                )
                if complete:
                    require_complete(allocation)
                reserve(allocation.plan)
            return allocation
        except stock.StockRaceLost:
            continue  # someone took the units first: look again
    raise OrdinoError(ErrorCode.INSUFFICIENT_STOCK, "Stock ran out while reserving", {"skus": sorted(demand)})
