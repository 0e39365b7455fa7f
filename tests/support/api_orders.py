"""Driving orders through the HTTP API: wait for a status, deliver an order, a sandbox
carrier posting signed events to the API under test."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.tracking import TrackingEvent
from providers.sandbox.carrier_journeys import CarrierSimulator
from tests.support.bodies import order_body
from tests.support.webhooks import post_signed


async def wait_for_status(api, order_id: str, status: str | tuple[str, ...], tries: int = 200) -> dict:
    """The order once its status is this one (or one of these)."""
    wanted = (status,) if isinstance(status, str) else status
    for _ in range(tries):
        order = (await api.get(f"/orders/{order_id}")).json()
        if order.get("status") in wanted:
            return order
        await asyncio.sleep(0.05)
    raise AssertionError(f"order {order_id} is {order.get('status')}, not {status}")


async def wait_for_event(api, order_id: str, event: str, tries: int = 200) -> dict:
    """The order once its timeline holds this event (say picking_started: packing is open)."""
    for _ in range(tries):
        order = (await api.get(f"/orders/{order_id}")).json()
        if any(e["type"] == event for e in order.get("timeline", [])):
            return order
        await asyncio.sleep(0.05)
    raise AssertionError(f"order {order_id} has no {event} event")


async def delivered_order(api, settings, lines: list[tuple[str, int]], **body: Any) -> dict:
    """An order placed (order_body with these overrides), shipped, and delivered by the carrier's webhook."""
    placed = await api.post("/orders", json=order_body(lines, **body))
    assert placed.status_code == 201, placed.text
    return await deliver(api, settings, placed.json()["order_id"])


async def deliver(api, settings, order_id: str) -> dict:
    """A placed order, once shipped, delivered by the carrier's webhook. With no return
    window it goes on to completed at once, which a look every 50 ms may see first."""
    order = await wait_for_status(api, order_id, "shipped")
    for parcel in order["shipments"]:
        tn = parcel["tracking_number"]
        event = {"event_id": f"{tn}-d", "tracking_number": tn, "status": "delivered",
                 "occurred_at": "2026-11-26T10:00:00Z"}  # fmt: skip
        assert (await post_signed(api, settings, "/webhooks/carrier", event)).status_code == 202
    return await wait_for_status(api, order["id"], ("delivered", "completed"))


def simulator_posting_to(api, db, settings) -> CarrierSimulator:
    async def post(event: TrackingEvent) -> bool:
        response = await post_signed(api, settings, "/webhooks/carrier", event.model_dump(mode="json"))
        return response.status_code == 202

    from datetime import timedelta

    return CarrierSimulator(db, timedelta(0), post)
