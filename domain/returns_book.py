"""An order's returns as its workflow keeps them: the return each request opened, the units
each SKU has in returns not refused, where the next return's share of each line starts, the
returns still open and the units accepted back."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.returns import ReturnStatus, returnable

# Returns whose units may be asked for again: refused, or never sent back.
UNITS_FREED = frozenset({ReturnStatus.REJECTED, ReturnStatus.EXPIRED})


@dataclass(frozen=True)
class OpenedReturn:
    return_id: str
    returned_before: dict[str, int]  # where this return's share of each line starts


@dataclass
class ReturnsBook:
    by_reference: dict[str, str] = field(default_factory=dict)
    in_returns: dict[str, int] = field(default_factory=dict)
    offsets: dict[str, int] = field(default_factory=dict)
    still_open: set[str] = field(default_factory=set)
    accepted_back: dict[str, int] = field(default_factory=dict)

    def return_for(self, reference: str) -> str | None:
        return self.by_reference.get(reference)

    def left(self, received: dict[str, int]) -> dict[str, int]:
        """Units of each SKU the customer may still send back."""
        return returnable(received, self.in_returns)

    def open(self, order_id: str, reference: str, units: dict[str, int]) -> OpenedReturn:
        """Number the return and count its units in. Offsets only grow: a refused return's
        units, returned again, are valued at the next share of their line."""
        return_id = f"{order_id}-R{len(self.by_reference) + 1}"
        self.by_reference[reference] = return_id
        before = {sku: self.offsets.get(sku, 0) for sku in units}
        for sku, n in units.items():
            self.in_returns[sku] = self.in_returns.get(sku, 0) + n
            self.offsets[sku] = before[sku] + n
        self.still_open.add(return_id)
        return OpenedReturn(return_id, before)

    def settle(
        self, return_id: str, units: dict[str, int], status: ReturnStatus, accepted: dict[str, int]
    ) -> None:
        for sku, n in accepted.items():
            self.accepted_back[sku] = self.accepted_back.get(sku, 0) + n
        if status in UNITS_FREED:
            for sku, n in units.items():
                self.in_returns[sku] -= n
        self.still_open.discard(return_id)

    def all_closed(self) -> bool:
        return not self.still_open
