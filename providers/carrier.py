"""What Ordino needs from a carrier: a price for a parcel, a booking (tracking number and
label) once per idempotency key, cancelling a booking, and tracking events that the carrier
posts to Ordino's signed webhook (POST /webhooks/carrier) as the parcel travels."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from domain.orders import Address


class Rate(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str
    service: str
    amount: Decimal
    currency: str


class Booking(BaseModel):
    model_config = ConfigDict(frozen=True)

    carrier: str
    tracking_number: str
    label_pdf: bytes = b""
    cost: Decimal | None = None


class BookingRejected(Exception):
    """The carrier refused the parcel, e.g. for an address it cannot deliver to. Booking the
    same parcel again fails the same way until the input changes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Carrier(Protocol):
    def rate(self, sender: str, recipient: Address, weight_grams: int) -> Rate: ...

    def book(
        self, key: str, reference: str, sender: str, recipient: Address, weight_grams: int
    ) -> Booking: ...

    def cancel(self, tracking_number: str) -> None: ...

    def recall(self, tracking_number: str) -> None:
        """Bring a parcel already on its way back to the sender (return to sender)."""
        ...

    def book_return(self, key: str, sender: Address, weight_grams: int) -> Booking:
        """A prepaid return label: the customer drops the parcel off, the warehouse books it in."""
        ...
