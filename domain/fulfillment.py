"""Fulfillments: one parcel group per warehouse an order ships from. Payment is captured
per fulfillment as it ships, so the order's total is divided between them exactly: each
line's total by the units each warehouse ships, shipping with the first parcel, and
leftover minor units by largest remainder, so the parts always add up to the total."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.money import distribute
from domain.orders import Reservation
from domain.quote import Quote, QuoteLine, ShippingCharge


class Fulfillment(BaseModel):
    """A parcel's share of the order: its lines (the units it ships, with their part of each
    line's net, tax and total), the shipping charge if it is the first parcel, and the
    amount to capture and invoice when it ships."""

    model_config = ConfigDict(frozen=True)

    warehouse: str
    units: dict[str, int]
    amount: Decimal
    # Defaults keep results recorded before parcels carried their lines readable on replay.
    lines: list[QuoteLine] = []
    shipping: ShippingCharge | None = None

    @property
    def tax_total(self) -> Decimal:
        return sum((ln.tax for ln in self.lines), self.shipping.tax if self.shipping else Decimal(0))

    @property
    def net_total(self) -> Decimal:
        return self.amount - self.tax_total


def plan_fulfillments(quote: Quote, reservations: list[Reservation]) -> list[Fulfillment]:
    units: dict[str, dict[str, int]] = defaultdict(dict)
    for r in reservations:
        units[r.warehouse][r.sku] = units[r.warehouse].get(r.sku, 0) + r.quantity
    warehouses = sorted(units)
    lines: dict[str, list[QuoteLine]] = {wh: [] for wh in warehouses}
    for line in quote.lines:
        weights = {wh: units[wh][line.sku] for wh in warehouses if units[wh].get(line.sku)}
        totals = distribute(line.total, weights, quote.currency)
        taxes = distribute(line.tax, weights, quote.currency)
        discounts = distribute(line.discount, weights, quote.currency)
        for wh, qty in weights.items():
            lines[wh].append(
                line.model_copy(
                    update={
                        "quantity": qty,
                        "total": totals[wh],
                        "tax": taxes[wh],
                        "net": totals[wh] - taxes[wh],
                        "discount": discounts[wh],
                    }
                )
            )
    result = []
    for i, wh in enumerate(warehouses):
        shipping = quote.shipping if i == 0 else None
        amount = sum((ln.total for ln in lines[wh]), shipping.total if shipping else Decimal(0))
        result.append(
            Fulfillment(warehouse=wh, units=units[wh], lines=lines[wh], shipping=shipping, amount=amount)
        )
    return result
