"""An order's cancellations as its workflow keeps them: the answer to each request, the
parcels a partial cancellation chose, the units no longer coming, and the whole-order
cancellation pending. Requests to cancel the whole order join a round; a refusal (a parcel
arrived meanwhile) answers every request of its round."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.changes import Cancellation, CancellationOutcome


@dataclass
class CancellationBook:
    answered: dict[str, CancellationOutcome] = field(default_factory=dict)
    # Per partial cancellation's reference: the parcels it stops, with what each holds.
    parcels_chosen: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    units_cancelled: dict[str, int] = field(default_factory=dict)
    pending: Cancellation | None = None
    round: int = 0
    refused_round: int = -1

    def answer(self, reference: str) -> CancellationOutcome | None:
        return self.answered.get(reference)

    def ask_whole(self, request: Cancellation) -> int:
        """Join the pending whole-order cancellation, or start a new round; answers the round."""
        if self.pending is None:
            self.round += 1
            self.pending = request
        return self.round

    def refuse_pending(self) -> None:
        self.refused_round = self.round
        self.pending = None

    def was_refused(self, round_: int) -> bool:
        return self.refused_round == round_

    def units_stopped(self, units: dict[str, int]) -> None:
        for sku, n in units.items():
            self.units_cancelled[sku] = self.units_cancelled.get(sku, 0) + n

    def received(self, ordered: dict[str, int]) -> dict[str, int]:
        """What the customer got: the units ordered less those whose parcels were cancelled."""
        got = {sku: n - self.units_cancelled.get(sku, 0) for sku, n in ordered.items()}
        return {sku: n for sku, n in got.items() if n > 0}
