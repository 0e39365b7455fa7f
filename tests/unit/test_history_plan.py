"""The demo history's plan: the same seed gives the same four weeks, a shop's rhythm across
every configured channel, and every fate an order can meet."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from settings import Settings
from starter.dev.history.plan import DAYS, Fate, HistoryPlan

END = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
CHANNELS = Settings().channels


def test_the_same_seed_plans_the_same_history():
    assert HistoryPlan(CHANNELS, END, seed=3).orders() == HistoryPlan(CHANNELS, END, seed=3).orders()
    assert HistoryPlan(CHANNELS, END, seed=3).orders() != HistoryPlan(CHANNELS, END, seed=4).orders()


def test_four_weeks_of_a_shops_rhythm_on_every_channel():
    orders = HistoryPlan(CHANNELS, END).orders()
    placed = [o.placed_at for o in orders]
    assert placed == sorted(placed) and (max(placed) - min(placed)).days >= DAYS - 1
    assert {o.request.channel for o in orders} == set(CHANNELS)
    per_weekday = Counter(at.weekday() for at in placed)
    assert per_weekday[4] > per_weekday[6]  # Fridays busier than Sundays
    assert all(8 <= at.hour <= 22 for at in placed)
    assert Counter(o.request.currency for o in orders).keys() == {"EUR", "USD"}


def test_orders_meet_every_fate_and_some_come_back():
    orders = HistoryPlan(CHANNELS, END).orders()
    fates = Counter(o.fate for o in orders)
    assert set(fates) == set(Fate) and fates[Fate.DELIVERED] > len(orders) / 2
    assert all(o.cancel_reason for o in orders if o.fate is Fate.CANCELLED)
    delivered = [o for o in orders if o.fate in (Fate.DELIVERED, Fate.LATE)]
    assert any(o.returned for o in delivered) and any(o.rating for o in delivered)
    assert not any(o.returned or o.rating for o in orders if o not in delivered)
    # Late parcels are judged by the SLA, on-time ones arrive well within it.
    assert all((o.journey > 1) == (o.fate is Fate.LATE) for o in delivered)


def test_a_channel_sells_to_its_kind_of_customer():
    for order in HistoryPlan(CHANNELS, END).orders():
        config = CHANNELS[order.request.channel]
        country = order.request.shipping_address.country
        if config.sells_to_businesses:
            assert order.request.customer.id.startswith("b-")
        elif not config.prices_include_tax:
            assert country == "US" and order.request.currency == "USD"
        else:
            assert country != "US" and order.request.currency == "EUR"
