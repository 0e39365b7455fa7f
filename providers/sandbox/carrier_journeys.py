"""The sandbox carrier's delivery van: walks each booked parcel through its journey (picked
up -> in transit -> out for delivery -> delivered, or a scenario's) and posts a signed
tracking event to Ordino's webhook for each step, on a clock; it keeps going through
outages of the database or the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import select

from db.engine import Database
from db.models import SandboxCarrierParcel as Parcel
from domain.tracking import JOURNEY, TrackingEvent, TrackingStatus
from providers import webhook_signature
from providers.sandbox import ordino_api
from providers.sandbox.carrier import WAIT, shipper_reference
from settings import Settings

log = structlog.get_logger()
PostEvent = Callable[[TrackingEvent], Awaitable[bool]]
# A refused event is tried again after this, not on the next tick: the first scan of a parcel
# can reach Ordino before the booking's own transaction has recorded the tracking number, and
# asking again every poll only costs both sides a request.
REFUSED_RETRY = timedelta(seconds=1)


class CarrierSimulator:
    """Moves due parcels one step and posts the event; a refused post is tried again a
    little later."""

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
        self._journey: tuple[str, ...] = journey

    def _due(self, now: datetime, limit: int) -> list[tuple[str, int, tuple[str, ...], str | None]]:
        with self._db.reader() as s:
            rows = s.execute(
                select(Parcel.tracking_number, Parcel.journey_step, Parcel.journey, Parcel.idempotency_key)
                .where(Parcel.next_event_at <= now, Parcel.cancelled.is_(False))
                .order_by(Parcel.next_event_at)
                .limit(limit)
            ).all()
        return [
            (t, step, tuple(journey) if journey else self._journey, shipper_reference(key))
            for t, step, journey, key in rows
        ]

    def _advance(self, tracking: str, step: int, journey: tuple[str, ...], now: datetime) -> None:
        done = step + 1 >= len(journey)
        with self._db.transaction() as s:
            parcel = s.get(Parcel, tracking, with_for_update=True)
            if parcel is None or parcel.journey_step != step:
                return  # another simulator moved it already
            parcel.journey_step = step + 1
            parcel.next_event_at = None if done else now + self._step_delay

    def _postpone(self, tracking: str, step: int, until: datetime) -> None:
        with self._db.transaction() as s:
            parcel = s.get(Parcel, tracking, with_for_update=True)
            if parcel is not None and parcel.journey_step == step and parcel.next_event_at is not None:
                parcel.next_event_at = until

    async def tick(self, now: datetime, limit: int = 100) -> int:
        """Send every due event once; return how many were delivered to the webhook."""
        sent = 0
        for tracking, step, journey, reference in self._due(now, limit):
            if journey[step] == WAIT:
                self._advance(tracking, step, journey, now)
                continue
            event = TrackingEvent(
                # The status is part of the id: a recalled parcel starts a journey home at step
                # 0 again, and its news must not pass for the pickup already reported.
                event_id=f"{tracking}-{step}-{journey[step]}",
                tracking_number=tracking,
                status=TrackingStatus(journey[step]),
                occurred_at=now,
                location="Sandbox hub",
            )
            # The order the parcel travels for, on this line and on the poster's refusals.
            with structlog.contextvars.bound_contextvars(order_id=reference):
                if not await self._post(event):
                    self._postpone(tracking, step, now + REFUSED_RETRY)
                    continue
                self._advance(tracking, step, journey, now)
                sent += 1
                log.info("carrier event sent", tracking=tracking, status=event.status.value)
        return sent


async def run_carrier(settings: Settings, database_url: str) -> None:
    db = Database(database_url, pool_size=2)
    async with httpx.AsyncClient(timeout=10) as http:

        async def post(event: TrackingEvent) -> bool:
            body = event.model_dump_json().encode()
            headers = {
                "content-type": "application/json",
                webhook_signature.HEADER: webhook_signature.sign(settings.carrier_webhook_secrets[0], body),
            }
            return await ordino_api.post(
                http, settings.carrier_webhook_url, "tracking event", content=body, headers=headers
            )

        simulator = CarrierSimulator(db, settings.carrier_step_delay, post, settings.carrier_journey)
        log.info(
            "sandbox carrier running",
            webhook=settings.carrier_webhook_url,
            step_delay=str(settings.carrier_step_delay),
        )
        await ordino_api.keep_ticking(simulator, db, settings)
