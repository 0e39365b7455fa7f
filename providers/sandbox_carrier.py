"""A sandbox carrier. Bookings live in its own table; a simulator walks each parcel through
picked up -> in transit -> out for delivery -> delivered and calls Ordino's webhook for
each step, like a real carrier would."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from db.engine import Database
from db.models import SandboxCarrierParcel as Parcel
from domain.orders import Address
from domain.tracking import JOURNEY, TrackingEvent, TrackingStatus
from providers.carrier import Booking

CARRIER = "sandbox"
log = structlog.get_logger()


def _tracking_number(key: str) -> str:
    return "SBX" + hashlib.sha256(key.encode()).hexdigest()[:12].upper()


class SandboxCarrier:
    def __init__(self, db: Database, step_delay: timedelta, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._step_delay = step_delay
        self._clock = clock

    def book(self, key: str, recipient: Address, weight_grams: int) -> Booking:
        tracking = _tracking_number(key)
        with self._db.transaction() as s:
            s.execute(
                insert(Parcel)
                .values(
                    tracking_number=tracking,
                    idempotency_key=key,
                    recipient=recipient.model_dump(mode="json"),
                    weight_grams=weight_grams,
                    journey_step=0,
                    next_event_at=self._clock() + self._step_delay,
                )
                .on_conflict_do_nothing(index_elements=[Parcel.idempotency_key])
            )
        return Booking(carrier=CARRIER, tracking_number=tracking)

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


PostEvent = Callable[[TrackingEvent], Awaitable[bool]]


class CarrierSimulator:
    """Moves due parcels one step and posts the event; a failed post is tried again next tick."""

    def __init__(
        self,
        db: Database,
        step_delay: timedelta,
        post: PostEvent,
        journey: tuple[TrackingStatus, ...] = JOURNEY,
    ) -> None:
        self._db = db
        self._step_delay = step_delay
        self._post = post
        self._journey = journey

    def _due(self, now: datetime, limit: int) -> list[tuple[str, int]]:
        with self._db.reader() as s:
            rows = s.execute(
                select(Parcel.tracking_number, Parcel.journey_step)
                .where(Parcel.next_event_at <= now, Parcel.cancelled.is_(False))
                .order_by(Parcel.next_event_at)
                .limit(limit)
            ).all()
        return [(t, step) for t, step in rows]

    def _advance(self, tracking: str, step: int, now: datetime) -> None:
        done = step + 1 >= len(self._journey)
        with self._db.transaction() as s:
            parcel = s.get(Parcel, tracking, with_for_update=True)
            if parcel is None or parcel.journey_step != step:
                return  # another simulator moved it already
            parcel.journey_step = step + 1
            parcel.next_event_at = None if done else now + self._step_delay

    async def tick(self, now: datetime, limit: int = 100) -> int:
        """Send every due event once; return how many were delivered to the webhook."""
        sent = 0
        for tracking, step in self._due(now, limit):
            event = TrackingEvent(
                event_id=f"{tracking}-{step}",
                tracking_number=tracking,
                status=self._journey[step],
                occurred_at=now,
                location="Sandbox hub",
            )
            if await self._post(event):
                self._advance(tracking, step, now)
                sent += 1
                log.info("carrier event sent", tracking=tracking, status=event.status.value)
        return sent
