"""What the demo history holds, decided before anything is written: who ordered what, on
which channel and when (a shop's daily rhythm over four weeks), and what became of each
order: delivered on time or late, cancelled, declined at payment, returned, rated. Pure and
seeded, so the same seed and the same end give the same history.

Durations are fractions of the settings' windows (delivery SLA, return window, packing and
feedback delays): the history is what a stack with these settings would have recorded, so a
parcel is late by the very rule that flags live ones."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from domain.orders import Address, Customer, OrderLineRequest, OrderRequest
from domain.returns import ReturnReason
from settings import ChannelConfig, Settings

DAYS = 28
SEED = 15
# External ids of the history's orders start so; nothing else uses the prefix.
PREFIX = "HIST-"

# Orders on an ordinary day, Monday first: busiest on Fridays, quiet at weekends.
PER_WEEKDAY = (6, 5, 5, 6, 7, 3, 2)
# When people order: weights per hour of the day, peaking at lunch and in the evening.
HOURS = {8: 1, 9: 2, 10: 2, 11: 3, 12: 4, 13: 4, 14: 2, 15: 2, 16: 2, 17: 3, 18: 4, 19: 5, 20: 5, 21: 4,
         22: 2}  # fmt: skip
# How often a channel sells, by its name; channels not named here sell now and then.
CHANNEL_WEIGHTS = {"webshop": 6, "marketplace": 3, "phone": 1, "b2b": 1, "us_web": 2}
# SKUs of the demo catalog (db/seed.py) with how many a consumer takes at most.
SKUS = {"MUG-CLASSIC": 4, "BEANS-1KG": 3, "GRINDER-HAND": 1, "KETTLE-GOOSE": 1, "FILTER-100": 3,
        "BOOK-BREW": 1}  # fmt: skip


@dataclass(frozen=True)
class Buyer:
    customer: Customer
    address: Address


def _buyers(rows: list[tuple[str, str, str, str, str, str, str, str | None]]) -> list[Buyer]:
    """From rows of id, e-mail, name, street, postal code, city, country, and the state (US)
    or the VAT number (businesses)."""
    buyers = []
    for cid, email, name, line1, postal_code, city, country, extra in rows:
        region, vat_id = (extra, None) if country == "US" else (None, extra)
        address = Address(name=name, line1=line1, postal_code=postal_code, city=city, country=country,
                          region=region)  # fmt: skip
        buyers.append(Buyer(Customer(id=cid, email=email, name=name, vat_id=vat_id), address))
    return buyers


# Consumers in the EU (names in several scripts: they go through every document), in the
# US, and businesses (the German and Dutch ones buy under reverse charge).
CONSUMERS = _buyers([
    ("c-giulia", "giulia.r@example.com", "Giulia Rossi", "Via Torino 12", "20123", "Milano", "IT", None),
    ("c-marco", "marco.b@example.com", "Marco Bianchi", "Corso Francia 8", "10138", "Torino", "IT", None),
    ("c-lukasz", "lukasz.w@example.com", "Łukasz Wiśniewski", "Kastanienallee 3", "10435", "Berlin", "DE",
     None),
    ("c-jonas", "jonas.k@example.com", "Jonas Köhler", "Schanzenstraße 40", "20357", "Hamburg", "DE", None),
    ("c-camille", "camille.d@example.com", "Camille Dubois", "12 rue Oberkampf", "75011", "Paris", "FR",
     None),
    ("c-lucia", "lucia.g@example.com", "Lucía García", "Calle de Toledo 21", "28005", "Madrid", "ES", None),
    ("c-sanne", "sanne.dv@example.com", "Sanne de Vries", "Prinsengracht 100", "1015 EA", "Amsterdam", "NL",
     None),
    ("c-wangfang", "wang.fang@example.com", "王芳", "Via Paolo Sarpi 15", "20154", "Milano", "IT", None),
    ("c-eleni", "eleni.p@example.com", "Ελένη Παπαδοπούλου", "Mariahilfer Straße 50", "1070", "Wien", "AT",
     None),
    ("c-ada", "ada@example.com", "Ada Lovelace", "Via Roma 1", "20121", "Milano", "IT", None),
])  # fmt: skip
US_CONSUMERS = _buyers([
    ("c-maya", "maya.j@example.com", "Maya Johnson", "210 W 77th St", "10024", "New York", "US", "NY"),
    ("c-diego", "diego.r@example.com", "Diego Ramirez", "1450 Valencia St", "94110", "San Francisco", "US",
     "CA"),
    ("c-hannah", "hannah.l@example.com", "Hannah Lee", "900 Congress Ave", "78701", "Austin", "US", "TX"),
])  # fmt: skip
BUSINESSES = _buyers([
    ("b-acme", "buy@acme.example", "ACME GmbH", "Industriestraße 7", "70565", "Stuttgart", "DE",
     "DE123456788"),
    ("b-koffiebar", "inkoop@koffiebar.example", "Koffiebar Noord B.V.", "Noordermarkt 5", "1015 MV",
     "Amsterdam", "NL", "NL123456782B01"),
    ("b-baristi", "ordini@baristi.example", "Baristi Riuniti S.r.l.", "Via Nizza 44", "10126", "Torino", "IT",
     None),
])  # fmt: skip

CANCEL_REASONS = [
    "customer changed their mind",
    "ordered twice by mistake",
    "found a faster delivery elsewhere",
    "wrong size of grinder ordered",
]
RETURN_NOTES = {
    ReturnReason.DAMAGED: "The mug arrived with a cracked handle",
    ReturnReason.NOT_AS_DESCRIBED: "The colour is not the one in the pictures",
    ReturnReason.WRONG_ITEM: "A different product was in the parcel",
    ReturnReason.CHANGED_MIND: "Bought one as a gift, they already had it",
}
COMMENTS: dict[int, list[str | None]] = {
    5: ["Lovely quality, arrived quickly", "Perfect, will order again", None],
    4: ["Good coffee, the box was a bit battered", None],
    3: ["Fine, but delivery took a while", None],
    2: ["Took far too long to arrive"],
    1: ["Late and nobody told me why"],
}


class Fate(StrEnum):
    DELIVERED = "delivered"
    LATE = "late"  # past the delivery SLA, then delivered
    CANCELLED = "cancelled"  # by the customer while it was being picked
    DECLINED = "declined"  # the card was declined


@dataclass(frozen=True)
class ReturnPlan:
    units: dict[str, int]
    reason: ReturnReason
    # When, as fractions of the return window: asked after delivery, then the parcel's trip back.
    asked: float
    travel: float


@dataclass(frozen=True)
class PlannedOrder:
    request: OrderRequest
    payment_token: str
    placed_at: datetime
    fate: Fate
    # Packing time as a multiple of the pack delay; the journey as a fraction of the SLA.
    packing: float
    journey: float
    cancel_reason: str | None = None
    returned: ReturnPlan | None = None
    rating: int | None = None
    comment: str | None = None
    # When the customer answers the feedback request, as a multiple of the feedback delay.
    answers: float = 1.5


@dataclass(frozen=True)
class Windows:
    """The settings' windows the history's times are measured in."""

    pack: timedelta
    sla: timedelta
    feedback: timedelta
    returns: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Windows:
        return cls(
            settings.pack_delay, settings.delivery_sla, settings.feedback_delay, settings.return_window
        )

    def longest_life(self) -> timedelta:
        """From placing to its last step at most: packing, the slowest journey, then the
        return window or the latest feedback, with a minute for the steps between."""
        return self.pack * 2 + self.sla * 2 + max(self.returns, self.feedback * 3) + timedelta(minutes=1)


def _kind(config: ChannelConfig) -> list[Buyer]:
    """Whom a channel sells to, from how it sells: businesses, US storefronts (prices before
    sales tax) or EU consumers."""
    if config.sells_to_businesses:
        return BUSINESSES
    return US_CONSUMERS if not config.prices_include_tax else CONSUMERS


class HistoryPlan:
    """The orders of `days` days ending at `end`, in the order they were placed."""

    def __init__(
        self, channels: dict[str, ChannelConfig], end: datetime, seed: int = SEED, days: int = DAYS
    ) -> None:
        self._rng = random.Random(seed)
        self._channels = sorted(channels.items())
        self._end = end
        self._days = days

    def orders(self) -> list[PlannedOrder]:
        planned: list[PlannedOrder] = []
        first_day = (self._end - timedelta(days=self._days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        for day in range(self._days + 1):
            date = first_day + timedelta(days=day)
            count = max(1, PER_WEEKDAY[date.weekday()] + self._rng.randint(-2, 2))
            for moment in sorted(self._moment(date) for _ in range(count)):
                if first_day < moment < self._end:
                    planned.append(self._order(len(planned) + 1, moment))
        return planned

    def _moment(self, date: datetime) -> datetime:
        hour = self._rng.choices(list(HOURS), weights=list(HOURS.values()))[0]
        return date + timedelta(hours=hour, seconds=self._rng.randrange(3600))

    def _order(self, n: int, placed_at: datetime) -> PlannedOrder:
        rng = self._rng
        weights = [CHANNEL_WEIGHTS.get(name, 1) for name, _ in self._channels]
        channel, config = rng.choices(self._channels, weights=weights)[0]
        buyers = _kind(config)
        buyer = rng.choice(buyers)
        lines = self._lines(bulk=buyers is BUSINESSES)
        request = OrderRequest(
            channel=channel,
            external_id=f"{PREFIX}{n:04d}",
            customer=buyer.customer,
            shipping_address=buyer.address,
            lines=lines,
            currency="USD" if buyers is US_CONSUMERS else "EUR",
        )
        roll = rng.random()
        fate = (
            Fate.DECLINED if roll < 0.03
            else Fate.CANCELLED if roll < 0.10
            else Fate.LATE if roll < 0.22
            else Fate.DELIVERED
        )  # fmt: skip
        token = "tok_declined" if fate is Fate.DECLINED else "tok_visa"
        late = fate is Fate.LATE
        planned = PlannedOrder(
            request=request,
            payment_token=token,
            placed_at=placed_at,
            fate=fate,
            packing=rng.uniform(0.5, 1.5),
            journey=rng.uniform(1.1, 1.8) if late else rng.uniform(0.2, 0.8),
        )
        if fate is Fate.CANCELLED:
            return _with(planned, cancel_reason=rng.choice(CANCEL_REASONS))
        if fate is Fate.DECLINED:
            return planned
        return self._after_delivery(planned, late)

    def _lines(self, bulk: bool) -> list[OrderLineRequest]:
        skus = self._rng.sample(sorted(SKUS), k=self._rng.choice((1, 1, 1, 2, 2, 3)))
        return [
            OrderLineRequest(
                sku=sku, quantity=self._rng.randint(2, 10) if bulk else self._rng.randint(1, SKUS[sku])
            )
            for sku in sorted(skus)
        ]

    def _after_delivery(self, planned: PlannedOrder, late: bool) -> PlannedOrder:
        """Feedback from most customers (late parcels rate lower); some goods come back."""
        rng = self._rng
        if rng.random() < 0.65:
            rating = rng.choice((1, 2, 3, 3)) if late else rng.choice((3, 4, 4, 5, 5, 5))
            planned = _with(
                planned, rating=rating, comment=rng.choice(COMMENTS[rating]), answers=rng.uniform(1, 3)
            )
        if rng.random() < 0.12:
            line = rng.choice(planned.request.lines)
            reason = rng.choice(list(RETURN_NOTES))
            units = {line.sku: rng.randint(1, line.quantity)}
            returned = ReturnPlan(units, reason, asked=rng.uniform(0.05, 0.4), travel=rng.uniform(0.1, 0.4))
            planned = _with(planned, returned=returned)
        return planned


def _with(planned: PlannedOrder, **changes: object) -> PlannedOrder:
    return replace(planned, **changes)  # type: ignore[arg-type]
