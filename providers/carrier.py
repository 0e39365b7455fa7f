"""What Ordino needs from a carrier: book a parcel once per idempotency key, and later
receive its tracking events by webhook."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.orders import Address


class Booking(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str
    tracking_number: str


class Carrier(Protocol):
    def book(self, key: str, recipient: Address, weight_grams: int) -> Booking: ...

    def book_return(self, key: str, sender: Address, weight_grams: int) -> Booking:
        """A prepaid return label: the customer drops the parcel off, the warehouse books it in."""
        ...
