"""The carrier of the demo history: it prices parcels as the sandbox carrier does and books
them and their return labels, but keeps no journey for them. The history tells each
parcel's journey itself, in the past, so the sandbox carrier's run loop must never walk
these parcels again (nor post their events to orders whose workflows are gone)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from db.engine import Database
from domain.orders import Address
from providers.carrier import Booking, Rate
from providers.sandbox.carrier import CARRIER, SandboxCarrier


def tracking_number(key: str) -> str:
    return "HIS" + hashlib.sha256(key.encode()).hexdigest()[:12].upper()


class HistoryCarrier:
    def __init__(self, db: Database) -> None:
        # Only for its prices: booking with it would start a journey.
        self._rates = SandboxCarrier(db, timedelta(0), clock=lambda: datetime.now(UTC))

    def rate(self, sender: str, recipient: Address, weight_grams: int) -> Rate:
        return self._rates.rate(sender, recipient, weight_grams)

    def book(self, key: str, reference: str, sender: str, recipient: Address, weight_grams: int) -> Booking:
        cost = self.rate(sender, recipient, weight_grams).amount
        return Booking(carrier=CARRIER, tracking_number=tracking_number(key), cost=cost)

    def cancel(self, tracking_number: str) -> None:
        raise NotImplementedError("the history cancels no booking")

    def recall(self, tracking_number: str) -> None:
        raise NotImplementedError("the history recalls no parcel")

    def book_return(self, key: str, sender: Address, weight_grams: int) -> Booking:
        return Booking(carrier=CARRIER, tracking_number=tracking_number(f"return:{key}"))
