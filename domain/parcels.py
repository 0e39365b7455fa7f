"""An order's parcels on their journeys, as its workflow follows them: which are still on
their way, what that makes of the order's status, when the next one passes its delivery
SLA, and which parcels a partial cancellation stops."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from domain.errors import ErrorCode, OrdinoError
from domain.status import OrderStatus
from domain.tracking import ENDED, FAILED, TrackingStatus


@dataclass
class Parcel:
    tracking_number: str
    warehouse: str
    booked_at: datetime
    status: TrackingStatus = TrackingStatus.BOOKED
    # A replacement for a parcel that never arrived (sent again once, then refunded).
    replacement: bool = False
    # A cancellation stopped it (booking cancelled, or recalled).
    stopped: bool = False
    # It failed (lost, damaged, returned) and was reshipped or refunded.
    resolved: bool = False
    late: bool = False

    @property
    def on_its_way(self) -> bool:
        """Not at the end of its journey, and not stopped by a cancellation."""
        return self.status not in ENDED and not self.stopped

    @property
    def unsettled(self) -> bool:
        """Still the order's business: on its way, or failed and not reshipped or refunded."""
        return self.on_its_way or (self.status in FAILED and not self.resolved and not self.stopped)

    def due(self, sla: timedelta) -> datetime:
        return self.booked_at + sla


class Parcels:
    """The order's parcels by tracking number, in the order they were booked."""

    def __init__(self) -> None:
        self._by_number: dict[str, Parcel] = {}

    def add(self, parcel: Parcel) -> None:
        self._by_number[parcel.tracking_number] = parcel

    def get(self, tracking_number: str) -> Parcel | None:
        return self._by_number.get(tracking_number)

    def __getitem__(self, tracking_number: str) -> Parcel:
        return self._by_number[tracking_number]

    def __iter__(self) -> Iterator[Parcel]:
        return iter(self._by_number.values())

    def __bool__(self) -> bool:
        return bool(self._by_number)

    def on_their_way(self) -> list[Parcel]:
        return [p for p in self if p.on_its_way]

    def any_delivered(self) -> bool:
        return any(p.status is TrackingStatus.DELIVERED for p in self)

    def states(self) -> dict[str, str]:
        return {p.tracking_number: p.status.value for p in self}

    def shipping_status(self) -> OrderStatus:
        """The order's status while it ships: delivered once every parcel that still matters
        has arrived, partially delivered while some travel on."""
        if self.any_delivered():
            travelling = any(p.unsettled for p in self)
            return OrderStatus.PARTIALLY_DELIVERED if travelling else OrderStatus.DELIVERED
        return OrderStatus.IN_TRANSIT

    def next_deadline(self, sla: timedelta) -> datetime | None:
        """When the earliest parcel on its way passes its delivery SLA, unless flagged late."""
        return min((p.due(sla) for p in self.on_their_way() if not p.late), default=None)

    def overdue(self, now: datetime, sla: timedelta) -> list[Parcel]:
        """Parcels on their way past their SLA and not flagged late yet, by tracking number."""
        late = [p for p in self.on_their_way() if not p.late and p.due(sla) <= now]
        return sorted(late, key=lambda p: p.tracking_number)


def parcels_holding(
    on_their_way: dict[str, dict[str, int]], wanted: dict[str, int]
) -> dict[str, dict[str, int]]:
    """The fewest parcels on their way whose contents are exactly the units asked for
    (first by tracking number among equals): a parcel travels whole, so only whole ones
    can be cancelled."""
    numbers = sorted(on_their_way)
    for size in range(1, len(numbers) + 1):
        for combo in combinations(numbers, size):
            held: dict[str, int] = {}
            for tn in combo:
                for sku, n in on_their_way[tn].items():
                    held[sku] = held.get(sku, 0) + n
            if held == wanted:
                return {tn: on_their_way[tn] for tn in combo}
    raise OrdinoError(
        ErrorCode.PARTIAL_PARCEL,
        "Units on their way can only be cancelled a whole parcel at a time",
        {"parcels": on_their_way},
    )
