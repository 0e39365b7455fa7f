"""Demo history: about four weeks of orders across the configured channels, so the console
and its reports show something real on a first start. `plan.py` decides what happened,
`lives.py` lives it through the real activities in the past, `carrier.py` books the
parcels without journeys. Every order it writes is closed (completed or cancelled), so that
its workflow is rightly gone; `seed_history` writes it once into a database without orders."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlalchemy import func, select

from db.engine import Database
from db.models import Order
from db.seed import seed_demo_catalog
from settings import Settings
from starter.dev.history.lives import Activities, OrderLife, live_all
from starter.dev.history.plan import DAYS, PREFIX, SEED, HistoryPlan, Windows

log = structlog.get_logger()


class HistoryRefused(Exception):
    """The database has orders of its own: history written after them would number its
    invoices after theirs but date them before."""


def seed_history(
    db: Database, settings: Settings, now: datetime | None = None, seed: int = SEED, days: int = DAYS
) -> int:
    """Write the history of `days` days (with the demo catalog it sells) unless it is there
    already; answers how many orders were written, 0 when the history was there."""
    with db.reader() as s:
        ours = s.scalar(select(func.count()).where(Order.external_id.startswith(PREFIX)))
        others = s.scalar(select(func.count()).where(~Order.external_id.startswith(PREFIX)))
    if ours:
        return 0
    if others:
        raise HistoryRefused(f"the database holds {others} orders already; the history goes into one without")
    seed_demo_catalog(db)
    # Its last order ended by now: each order's life ends within the longest one.
    end = (now or datetime.now(UTC)) - Windows.of(settings).longest_life()
    run = Activities(db, settings)
    lives = [
        OrderLife(db, settings, run, planned)
        for planned in HistoryPlan(settings.channels, end, seed, days).orders()
    ]
    written = live_all(lives)
    log.info("demo history written", orders=written, until=end.isoformat())
    return written
