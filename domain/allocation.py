"""Which warehouse ships which line: one warehouse for everything if any can (fewest
parcels), otherwise each line from the first warehouse that has it. Warehouses come
in preference order."""

from __future__ import annotations

from domain.errors import ErrorCode, OrdinoError
from domain.orders import Reservation


def allocate(
    demand: dict[str, int],
    available: dict[tuple[str, str], int],
    warehouses: list[str],
) -> list[Reservation]:
    """demand: sku -> quantity; available: (sku, warehouse) -> free units."""
    for wh in warehouses:
        if all(available.get((sku, wh), 0) >= qty for sku, qty in demand.items()):
            return [Reservation(sku=sku, warehouse=wh, quantity=qty) for sku, qty in demand.items()]

    plan: list[Reservation] = []
    short: dict[str, int] = {}
    for sku, qty in demand.items():
        wh = next((w for w in warehouses if available.get((sku, w), 0) >= qty), None)
        if wh is None:
            short[sku] = qty - max((available.get((sku, w), 0) for w in warehouses), default=0)
        else:
            plan.append(Reservation(sku=sku, warehouse=wh, quantity=qty))
    if short:
        raise OrdinoError(
            ErrorCode.INSUFFICIENT_STOCK,
            "Not enough stock for " + ", ".join(sorted(short)),
            {"short": short},
        )
    return plan
