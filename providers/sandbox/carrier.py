"""A sandbox carrier: prices and books parcels (tracking number, label) in its own table,
cancels and recalls them, and books return labels. carrier_journeys.py walks each booked
parcel through its journey and calls Ordino's webhook for each step, like a real carrier.

Failure modes, chosen by the recipient's address:
- an address line containing "UNDELIVERABLE": the booking is rejected (undeliverable_address);
- "sandbox:<scenario>" in an address line, optionally "sandbox:<scenario>@<warehouse>" for
  the parcel from one warehouse only: the first parcel of that order (and warehouse) takes
  the scenario's journey (see SCENARIOS); a reshipment travels normally.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from db.engine import Database
from db.models import SandboxCarrierParcel as Parcel
from domain.orders import Address
from domain.tracking import TrackingStatus
from providers.carrier import Booking, BookingRejected, Rate
from providers.pdf_fonts import label_document

CARRIER = "sandbox"
WAIT = "wait"  # a journey step that reports nothing: the parcel just takes longer

T = TrackingStatus
SCENARIOS: dict[str, tuple[str, ...]] = {
    "delayed": (T.PICKED_UP, T.IN_TRANSIT, T.DELAYED, T.OUT_FOR_DELIVERY, T.DELIVERY_ATTEMPTED, T.DELIVERED),
    # Stalls in transit for a dozen steps: past a short delivery SLA, then arrives.
    "late": (T.PICKED_UP, T.IN_TRANSIT, *(WAIT,) * 12, T.OUT_FOR_DELIVERY, T.DELIVERED),
    "lost": (T.PICKED_UP, T.IN_TRANSIT, T.LOST),
    "damaged": (T.PICKED_UP, T.IN_TRANSIT, T.OUT_FOR_DELIVERY, T.DAMAGED),
    "returned": (T.PICKED_UP, T.IN_TRANSIT, T.OUT_FOR_DELIVERY, T.DELIVERY_ATTEMPTED, T.RETURNED_TO_SENDER),
}
SCENARIO = re.compile(r"sandbox:([a-z]+)(?:@([A-Z0-9]+))?")


def _tracking_number(key: str) -> str:
    return "SBX" + hashlib.sha256(key.encode()).hexdigest()[:12].upper()


def scenario_for(recipient: Address, sender: str) -> str | None:
    for line in (recipient.line1, recipient.line2 or ""):
        for name, warehouse in SCENARIO.findall(line):
            if name in SCENARIOS and warehouse in ("", sender):
                return str(name)
    return None


def label_pdf(booking: Booking, sender: str, recipient: Address, weight_grams: int) -> bytes:
    text = f"{booking.carrier} {sender} {recipient.model_dump_json()}"
    pdf, sans = label_document(text, format=(105, 148))  # A6, in millimetres
    pdf.add_page()
    pdf.set_font(sans, "B", 14)
    pdf.cell(0, 8, f"{booking.carrier.upper()} PARCEL", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(sans, size=10)
    lines = [
        f"From warehouse {sender}",
        "",
        "To:",
        recipient.name,
        recipient.line1,
        *([recipient.line2] if recipient.line2 else []),
        f"{recipient.postal_code} {recipient.city}",
        recipient.country,
        "",
        f"Weight: {weight_grams / 1000:.2f} kg",
    ]
    for text in lines:
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("courier", "B", 16)
    pdf.cell(0, 12, booking.tracking_number, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class SandboxCarrier:
    def __init__(self, db: Database, step_delay: timedelta, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._step_delay = step_delay
        self._clock = clock

    def rate(self, sender: str, recipient: Address, weight_grams: int) -> Rate:
        # A base price and a price per started kilogram; abroad costs more.
        kilos = max(1, -(-weight_grams // 1000))
        amount = Decimal("4.50") + Decimal("1.20") * kilos
        if recipient.country not in ("IT", "DE"):
            amount += Decimal("6.00")
        return Rate(carrier=CARRIER, service="standard", amount=amount, currency="EUR")

    def book(self, key: str, reference: str, sender: str, recipient: Address, weight_grams: int) -> Booking:
        if any("UNDELIVERABLE" in line.upper() for line in (recipient.line1, recipient.line2 or "")):
            raise BookingRejected(
                "undeliverable_address", f"The carrier cannot deliver to {recipient.line1}, {recipient.city}"
            )
        tracking = _tracking_number(key)
        rate = self.rate(sender, recipient, weight_grams)
        booking = Booking(carrier=CARRIER, tracking_number=tracking, cost=rate.amount)
        with self._db.transaction() as s:
            scenario = scenario_for(recipient, sender)
            if scenario is not None:
                # The scenario happens to the order's first parcel from this warehouse only.
                earlier = s.scalar(
                    select(Parcel.tracking_number).where(
                        Parcel.idempotency_key.startswith(f"{reference}|{sender}|", autoescape=True),
                        Parcel.tracking_number != tracking,
                    )
                )
                scenario = None if earlier else scenario
            s.execute(
                insert(Parcel)
                .values(
                    tracking_number=tracking,
                    idempotency_key=f"{reference}|{sender}|{key}",
                    recipient=recipient.model_dump(mode="json"),
                    weight_grams=weight_grams,
                    journey_step=0,
                    next_event_at=self._clock() + self._step_delay,
                    sender=sender,
                    journey=list(SCENARIOS[scenario]) if scenario else None,
                )
                .on_conflict_do_nothing(index_elements=[Parcel.idempotency_key])
            )
        return booking.model_copy(update={"label_pdf": label_pdf(booking, sender, recipient, weight_grams)})

    def cancel(self, tracking_number: str) -> None:
        with self._db.transaction() as s:
            s.execute(update(Parcel).where(Parcel.tracking_number == tracking_number).values(cancelled=True))

    def recall(self, tracking_number: str) -> None:
        with self._db.transaction() as s:
            # Whatever was left of its journey, the parcel now heads home.
            s.execute(
                update(Parcel)
                .where(Parcel.tracking_number == tracking_number, Parcel.next_event_at.is_not(None))
                .values(journey=[TrackingStatus.RETURNED_TO_SENDER.value], journey_step=0,
                        next_event_at=self._clock() + self._step_delay)
            )  # fmt: skip

    def book_return(self, key: str, sender: Address, weight_grams: int) -> Booking:
        tracking = "R" + _tracking_number(key)
        with self._db.transaction() as s:
            # No journey: the warehouse reports the parcel's arrival, not the carrier.
            s.execute(
                insert(Parcel)
                .values(tracking_number=tracking, idempotency_key=key,
                        recipient=sender.model_dump(mode="json"), weight_grams=weight_grams, journey_step=0,
                        next_event_at=None)
                .on_conflict_do_nothing(index_elements=[Parcel.idempotency_key])
            )  # fmt: skip
        return Booking(carrier=CARRIER, tracking_number=tracking)


def shipper_reference(key: str) -> str | None:
    """The shipper's reference a parcel was booked with (Ordino's order id): book() keeps it
    at the head of the key; a return label has none."""
    reference, separator, _ = key.partition("|")
    return reference if separator else None
