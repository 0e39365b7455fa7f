"""Which warehouses ship an order. The channel's rules rank the warehouses: a single
warehouse that can ship everything first (fewest parcels), then the nearest to the
customer, then warehouse priority. When no single warehouse can, lines are split across
warehouses in rank order; what no warehouse has is short (rejected or backordered)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import ErrorCode, OrdinoError
from domain.geography import distance_km
from domain.orders import Reservation


class AllocationRule(StrEnum):
    SINGLE_WAREHOUSE = "single_warehouse"
    NEAREST = "nearest"
    PRIORITY = "priority"


DEFAULT_RULES = (AllocationRule.SINGLE_WAREHOUSE, AllocationRule.NEAREST, AllocationRule.PRIORITY)


@dataclass(frozen=True)
class Site:
    code: str
    country: str
    priority: int


@dataclass(frozen=True)
class Allocation:
    plan: list[Reservation]
    short: dict[str, int] = field(default_factory=dict)

    @property
    def warehouses(self) -> list[str]:
        return sorted({r.warehouse for r in self.plan})


def rank(sites: list[Site], destination: str, rules: tuple[AllocationRule, ...]) -> list[str]:
    def key(site: Site) -> tuple[float, ...]:
        parts: list[float] = []
        for rule in rules:
            if rule is AllocationRule.NEAREST:
                parts.append(distance_km(site.country, destination))
            elif rule is AllocationRule.PRIORITY:
                parts.append(site.priority)
        return tuple(parts)

    return [s.code for s in sorted(sites, key=lambda s: (*key(s), s.code))]


def allocate(
    demand: dict[str, int],
    available: dict[tuple[str, str], int],
    sites: list[Site],
    destination: str,
    rules: tuple[AllocationRule, ...] = DEFAULT_RULES,
    split: bool = True,
) -> Allocation:
    """demand: sku -> quantity; available: (sku, warehouse) -> free units."""
    ranked = rank(sites, destination, rules)
    if AllocationRule.SINGLE_WAREHOUSE in rules or not split:
        for wh in ranked:
            if all(available.get((sku, wh), 0) >= qty for sku, qty in demand.items()):
                return Allocation(
                    [Reservation(sku=sku, warehouse=wh, quantity=q) for sku, q in demand.items()]
                )
        if not split:
            return Allocation([], dict(demand))

    plan: list[Reservation] = []
    short: dict[str, int] = {}
    for sku, qty in demand.items():
        missing = qty
        for wh in ranked:
            take = min(missing, available.get((sku, wh), 0))
            if take > 0:
                plan.append(Reservation(sku=sku, warehouse=wh, quantity=take))
                missing -= take
            if missing == 0:
                break
        if missing:
            short[sku] = missing
    return Allocation(plan, short)


def require_complete(allocation: Allocation) -> list[Reservation]:
    if allocation.short:
        raise OrdinoError(
            ErrorCode.INSUFFICIENT_STOCK,
            "Not enough stock for " + ", ".join(sorted(allocation.short)),
            {"short": allocation.short},
        )
    return allocation.plan
