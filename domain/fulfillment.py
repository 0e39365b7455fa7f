"""Fulfillments: one parcel group per warehouse an order ships from. Payment is captured
per fulfillment as it ships, so the order's total is divided between them exactly: each
line's total by the units each warehouse ships, shipping with the first parcel, and
leftover minor units by largest remainder, so the parts always add up to the total."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal

from pydantic import BaseModel, ConfigDict

from domain.money import quantum
from domain.orders import Reservation
from domain.quote import Quote


class Fulfillment(BaseModel):
    model_config = ConfigDict(frozen=True)

    warehouse: str
    units: dict[str, int]
    amount: Decimal


def split_amount(total: Decimal, weights: dict[str, int], currency: str) -> dict[str, Decimal]:
    """Divide total in proportion to weights, at the currency's minor unit, summing exactly."""
    unit = quantum(currency)
    whole = sum(weights.values())
    shares = {k: total * w / whole for k, w in weights.items()}
    parts = {k: (v / unit).to_integral_value(rounding=ROUND_FLOOR) * unit for k, v in shares.items()}
    leftover = int((total - sum(parts.values())) / unit)
    # Largest remainder first; ties by key so the result never depends on dict order.
    for k in sorted(shares, key=lambda k: (parts[k] - shares[k], k))[:leftover]:
        parts[k] += unit
    return parts


def plan_fulfillments(quote: Quote, reservations: list[Reservation]) -> list[Fulfillment]:
    units: dict[str, dict[str, int]] = defaultdict(dict)
    for r in reservations:
        units[r.warehouse][r.sku] = units[r.warehouse].get(r.sku, 0) + r.quantity
    warehouses = sorted(units)
    amounts = {wh: Decimal(0) for wh in warehouses}
    for line in quote.lines:
        per_warehouse = {wh: units[wh][line.sku] for wh in warehouses if units[wh].get(line.sku)}
        for wh, part in split_amount(line.total, per_warehouse, quote.currency).items():
            amounts[wh] += part
    if warehouses:
        amounts[warehouses[0]] += quote.shipping.total
    return [Fulfillment(warehouse=wh, units=units[wh], amount=amounts[wh]) for wh in warehouses]
