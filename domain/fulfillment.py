"""Fulfillments: one parcel group per warehouse an order ships from. Payment is captured
per fulfillment as it ships, so the order's total is divided between them exactly: each
line by the units each warehouse ships (its discount and tax spread with leftover minor
units by largest remainder), shipping with the first parcel, so the parts always add up
to the total."""

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
        # Each parcel's shown amount (units x unit price - its part of the discount) is exact;
        # only the tax is spread, so every parcel's invoice line adds up on its own.
        discounts = distribute(line.discount, weights, quote.currency)
        shown = {wh: line.unit_price * qty - discounts[wh] for wh, qty in weights.items()}
        taxes = distribute(line.tax, shown, quote.currency)
        for wh, qty in weights.items():
            net = shown[wh] - taxes[wh] if quote.prices_include_tax else shown[wh]
            lines[wh].append(
                line.model_copy(
                    update={
                        "quantity": qty,
                        "discount": discounts[wh],
                        "net": net,
                        "tax": taxes[wh],
                        "total": net + taxes[wh],
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
