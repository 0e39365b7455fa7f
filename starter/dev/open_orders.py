"""A few orders the dev stack places through its own API at every start, so its console has
live orders to act on beside the closed history: one to edit or cancel while it is packed,
one whose parcel runs late (an alert), one the carrier refuses (on hold until support
corrects the address). Placing is idempotent: a later start gets the same orders back."""

from __future__ import annotations

from typing import Any

import httpx

from domain.orders import order_id_for

_CUSTOMER = {"id": "c-giulia", "email": "giulia.r@example.com", "name": "Giulia Rossi"}
_ADDRESS = {"name": "Giulia Rossi", "line1": "Via Torino 12", "postal_code": "20123", "city": "Milano",
            "country": "IT"}  # fmt: skip


def _order(external_id: str, lines: dict[str, int], **address: str) -> dict[str, Any]:
    return {
        "channel": "webshop",
        "external_id": external_id,
        "customer": _CUSTOMER,
        "shipping_address": {**_ADDRESS, **address},
        "lines": [{"sku": sku, "quantity": n} for sku, n in lines.items()],
        "currency": "EUR",
        "payment_token": "tok_visa",
    }


OPEN_ORDERS = [
    _order("OPEN-1", {"GRINDER-HAND": 1, "BEANS-1KG": 2}),
    _order("OPEN-LATE", {"MUG-CLASSIC": 2}, line2="sandbox:late"),
    _order("OPEN-HOLD", {"KETTLE-GOOSE": 1}, line1="Via Inesistente 0 UNDELIVERABLE"),
]


def place_open_orders(api_base_url: str, channel_key: str) -> list[str]:
    """Place them (or get them back); answers the ids of those the API accepted."""
    placed = []
    with httpx.Client(
        base_url=api_base_url, timeout=30, headers={"authorization": f"Bearer {channel_key}"}
    ) as api:
        for body in OPEN_ORDERS:
            if api.post("/orders", json=body).status_code in (200, 201):
                placed.append(order_id_for(body["channel"], body["external_id"]))
    return placed
