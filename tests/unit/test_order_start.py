"""An order's workflow starts with the deadlines in force when it came in: every one is the
setting of the same name, and a channel's own return window and backorder policy win."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from domain.orders import BackorderPolicy, OrderStart, PlaceOrder
from settings import ChannelConfig, Settings

ORDER = PlaceOrder.model_validate(json.loads((Path(__file__).parents[2] / "examples/order.json").read_text()))


def test_every_deadline_comes_from_the_settings():
    settings = Settings(delivery_sla=timedelta(days=2), feedback_delay=timedelta(hours=5))
    start = settings.order_start(ORDER, ChannelConfig())
    assert (start.order_id, start.customer_search_id) == ("webshop-DEMO-1", "cust-1")
    assert (start.delivery_sla, start.feedback_delay, start.return_window) == (
        timedelta(days=2), timedelta(hours=5), settings.return_window
    )  # fmt: skip
    # Nothing is left at the model's default by accident: each field is set explicitly.
    assert start.model_fields_set == set(OrderStart.model_fields)


def test_a_channel_s_own_window_and_backorder_policy_win():
    channel = ChannelConfig(return_window=timedelta(days=100), backorder_policy=BackorderPolicy.ALERT)
    start = Settings().order_start(ORDER, channel)
    assert (start.return_window, start.backorder_policy) == (timedelta(days=100), BackorderPolicy.ALERT)
