"""The sales channel of the chaos run: orders placed through POST /orders and cancellations
sent while their parcels travel, each call retried like a real channel would when a
process is down (same external id for an order, same reference for a cancellation), until
it gets an answer that is not a transport error or a 5xx."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx

from db import stock
from db.engine import Database

# Stocked in Milan only (plenty): one parcel from MIL for an Italian address.
SINGLE_SKUS = ("MUG-CLASSIC", "BEANS-1KG", "FILTER-100")
# Each only in one warehouse, so an order of both always ships as two parcels.
SPLIT_SKUS = {"KETTLE-GOOSE": "BER", "BOOK-BREW": "MIL"}
# The parcel a partial cancellation stops: exactly the units of the Berlin parcel.
PARCEL_WAREHOUSE, PARCEL_SKU = "BER", "KETTLE-GOOSE"
EXTRA_STOCK = 100_000
TRAVELLING = {"booked", "picked_up", "in_transit", "delayed", "out_for_delivery", "delivery_attempted"}
TERMINAL = {"completed", "cancelled", "rejected"}
# Names within Latin-1: the carrier label cannot print others yet (UnicodeEncodeError in
# providers/sandbox/carrier.label_pdf), which would hide what the chaos is about.
NAMES = ("Ada Lovelace", "José Müller", "Zoë Dubois", "Grace Hopper")
# Payment tokens of the sandbox gateway and how often each is used.
TOKENS = (("tok_visa", 0.66), ("tok_timeout", 0.14), ("tok_processing_error", 0.14), ("tok_declined", 0.06))


@dataclass(frozen=True)
class Mix:
    """Shares of the order mix. Cancellation shares are of the orders that can be cancelled
    (not declined); a parcel cancellation needs a split order, a single one is cancelled whole."""

    split: float = 0.4
    early: float = 0.04
    whole_single: float = 0.16  # of single-parcel orders, after the early ones
    whole_split: float = 0.20
    parcel: float = 0.20  # of split orders, after the early and whole ones


class Cancel(StrEnum):
    NONE = "none"
    EARLY = "early"  # right after acceptance, before anything is packed
    WHOLE = "whole"  # the whole order while a parcel travels
    PARCEL = "parcel"  # the Berlin parcel of a split order while it travels


@dataclass
class Planned:
    n: int
    at: float  # seconds after the load starts
    split: bool
    token: str
    cancel: Cancel
    # When a parcel travels, the cancellation goes out this long after (or, negative, before)
    # the carrier's next tracking event for it.
    cancel_offset: float
    body: dict[str, Any]

    @property
    def order_id(self) -> str:
        return f"{self.body['channel']}-{self.body['external_id']}"


@dataclass
class Outcome:
    """What the channel saw of one order."""

    planned: Planned
    attempts: int = 0
    status_code: int | None = None  # the definitive answer; None: none came before the deadline
    code: str | None = None  # the error code of a refusal
    accepted: bool = False  # some attempt answered 200 or 201
    answered_status: str | None = None
    trail: list[str] = field(default_factory=list)  # every answer: "order 201", "cancel ReadTimeout"
    cancel_reference: str | None = None
    cancel_attempts: int = 0
    cancel_status_code: int | None = None
    cancel_code: str | None = None
    cancel_answer: dict[str, Any] = field(default_factory=dict)
    cancel_note: str | None = None  # why no cancellation went out

    @property
    def order_id(self) -> str:
        return self.planned.order_id


def add_stock(database_url: str) -> None:
    """Enough stock that no order of the run is refused for the lack of it."""
    db = Database(database_url, pool_size=1)
    try:
        with db.transaction() as s:
            for sku in SINGLE_SKUS:
                stock.receive(s, sku, "MIL", EXTRA_STOCK, reference="chaos")
            for sku, warehouse in SPLIT_SKUS.items():
                stock.receive(s, sku, warehouse, EXTRA_STOCK, reference="chaos")
    finally:
        db.dispose()


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def plan_orders(
    rng: random.Random, count: int, window: float, tag: str, mix: Mix | None = None
) -> list[Planned]:
    """A seeded mix: single and split parcels, tokens that time out or fail once, declines,
    and cancellations early, whole while travelling, or of one travelling parcel."""
    mix = mix or Mix()
    times = sorted(rng.uniform(0, window) for _ in range(count))
    plans = []
    for n, at in enumerate(times):
        split = rng.random() < mix.split
        token = _pick(rng, TOKENS)
        roll = rng.random()
        if token == "tok_declined":
            cancel = Cancel.NONE
        elif roll < mix.early:
            cancel = Cancel.EARLY
        elif roll < mix.early + (mix.whole_split if split else mix.whole_single):
            cancel = Cancel.WHOLE
        elif split and roll < mix.early + mix.whole_split + mix.parcel:
            cancel = Cancel.PARCEL
        else:
            cancel = Cancel.NONE
        if split:
            lines = [
                {"sku": "KETTLE-GOOSE", "quantity": 1},
                {"sku": "BOOK-BREW", "quantity": rng.randint(1, 2)},
            ]
        else:
            skus = rng.sample(SINGLE_SKUS, rng.randint(1, 2))
            lines = [{"sku": sku, "quantity": rng.randint(1, 3)} for sku in skus]
        name = rng.choice(NAMES)
        body = {
            "channel": "webshop",
            "external_id": f"CHAOS-{tag}-{n:04d}",
            "customer": {"id": f"chaos-{n % 25}", "email": f"chaos{n}@example.com", "name": name},
            "shipping_address": {"name": name, "line1": "Via Roma 1", "postal_code": "20121",
                                 "city": "Milano", "country": "IT"},
            "lines": lines,
            "currency": "EUR",
            "payment_token": token,
        }  # fmt: skip
        plans.append(Planned(n, at, split, token, cancel, rng.uniform(-0.1, 0.03), body))
    return plans


def _code(r: httpx.Response) -> str | None:
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


class Channel:
    """Calls the API like a sales channel that does not give up while a process is down."""

    def __init__(
        self,
        api_url: str,
        deadline: float,
        step_delay: float,
        next_event: Callable[[str], Awaitable[float | None]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.http = httpx.AsyncClient(
            base_url=api_url,
            timeout=httpx.Timeout(30, connect=3),
            limits=httpx.Limits(max_connections=100),
            headers=headers,  # the channel's API key
        )
        self.deadline = deadline  # time.monotonic() after which no call is retried
        self.step_delay = step_delay  # the sandbox carrier's seconds between tracking events
        # When the sandbox carrier will next report on a tracking number (a Unix time).
        self.next_event = next_event
        self.transient = 0  # transport errors and 5xx answers seen, all calls together

    async def close(self) -> None:
        await self.http.aclose()

    async def call(
        self, method: str, path: str, body: Any = None, trail: list[str] | None = None, label: str = ""
    ) -> tuple[httpx.Response | None, int]:
        """The first answer that is not a transport error or a 5xx, and how many attempts it
        took; None if the deadline came first. Each answer is added to the trail."""
        attempts, pause = 0, 0.3
        while time.monotonic() < self.deadline:
            attempts += 1
            try:
                r = await self.http.request(method, path, json=body)
                if trail is not None:
                    trail.append(
                        f"{label} {r.status_code}" + (f" {_code(r)}" if r.status_code >= 400 else "")
                    )
                if r.status_code < 500:
                    return r, attempts
            except httpx.TransportError as err:
                if trail is not None:
                    trail.append(f"{label} {type(err).__name__}")
            self.transient += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 3.0)
        return None, attempts

    async def place(self, planned: Planned) -> Outcome:
        outcome = Outcome(planned)
        r, outcome.attempts = await self.call("POST", "/orders", planned.body, outcome.trail, "order")
        if r is not None:
            outcome.status_code = r.status_code
            outcome.accepted = r.status_code in (200, 201)
            if outcome.accepted:
                outcome.answered_status = r.json().get("status")
            else:
                outcome.code = _code(r)
        return outcome

    async def _wait_travelling(self, outcome: Outcome) -> dict[str, Any] | None:
        """Until a parcel of the order (the Berlin one for a parcel cancellation) is booked
        and not yet delivered, and return it; None if the order ended or the deadline came."""
        while time.monotonic() < self.deadline:
            r, _ = await self.call("GET", f"/orders/{outcome.order_id}")
            if r is None:
                return None
            if r.status_code == 200:
                order = r.json()
                if order["status"] in TERMINAL:
                    outcome.cancel_note = f"order {order['status']} before a parcel travelled"
                    return None
                wanted = [
                    s for s in order["shipments"]
                    if outcome.planned.cancel is Cancel.WHOLE or s["warehouse"] == PARCEL_WAREHOUSE
                ]  # fmt: skip
                travelling = [s for s in wanted if s["status"] in TRAVELLING]
                if travelling:
                    first: dict[str, Any] = travelling[0]
                    return first
                if wanted and all(s["status"] == "delivered" for s in wanted):
                    outcome.cancel_note = "parcel delivered before the cancellation could go out"
                    return None
            await asyncio.sleep(0.3)
        outcome.cancel_note = "deadline before a parcel travelled"
        return None

    async def _pause_before_event(self, parcel: dict[str, Any], offset: float) -> float:
        """Seconds until `offset` from the carrier's next tracking event for this parcel: a
        cancellation whose workflow task is under way when the tracking signal arrives is the
        race worth running. The carrier's own schedule says when; failing that, it reports
        about every step delay after booking."""
        now = time.time()
        if self.next_event is not None:
            with contextlib.suppress(Exception):  # PostgreSQL may be down: estimate instead
                due = await self.next_event(parcel["tracking_number"])
                if due is not None and due + offset > now:
                    return due + offset - now
        booked = datetime.fromisoformat(parcel["booked_at"]).timestamp()
        steps = math.ceil((now + 0.05 - offset - booked) / self.step_delay)
        return max(0.0, booked + steps * self.step_delay + offset - now)

    async def cancel(self, outcome: Outcome) -> None:
        planned = outcome.planned
        if planned.cancel is not Cancel.EARLY:
            parcel = await self._wait_travelling(outcome)
            if parcel is None:
                return
            await asyncio.sleep(await self._pause_before_event(parcel, planned.cancel_offset))
        outcome.cancel_reference = f"CXL-{planned.n:04d}"
        body: dict[str, Any] = {"reference": outcome.cancel_reference, "reason": "chaos: customer asked"}
        if planned.cancel is Cancel.PARCEL:
            body["lines"] = [{"sku": PARCEL_SKU, "quantity": 1}]
        for _ in range(30):  # packed but not yet booked: a person tries again a moment later
            r, attempts = await self.call(
                "POST", f"/orders/{outcome.order_id}/cancellations", body, outcome.trail, "cancel"
            )
            outcome.cancel_attempts += attempts
            if r is None:
                return
            outcome.cancel_status_code, outcome.cancel_code = r.status_code, _code(r)
            if r.status_code == 201:
                outcome.cancel_answer = r.json()
            if outcome.cancel_code != "already_packed":
                return
            await asyncio.sleep(1)


async def drive(
    channel: Channel, plans: list[Planned], on_answer: Callable[[Outcome], None]
) -> list[Outcome]:
    """Place each order at its time, then cancel it as planned; every order in its own task."""
    start = time.monotonic()

    async def one(planned: Planned) -> Outcome:
        await asyncio.sleep(max(0.0, start + planned.at - time.monotonic()))
        outcome = await channel.place(planned)
        on_answer(outcome)
        if outcome.accepted and planned.cancel is not Cancel.NONE:
            await channel.cancel(outcome)
        return outcome

    return list(await asyncio.gather(*(one(p) for p in plans)))
