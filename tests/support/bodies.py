"""Order bodies for tests."""

from __future__ import annotations

import uuid
from typing import Any


def order_body(lines: list[tuple[str, int]], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "webshop",
        "external_id": f"WS-{uuid.uuid4().hex[:10]}",
        "customer": {"id": "cust-42", "email": "ada@example.com", "name": "Ada Lovelace"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "Via Roma 1",
            "postal_code": "20121",
            "city": "Milano",
            "country": "IT",
        },
        "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
        "currency": "EUR",
        "payment_token": "tok_visa",
    }
    body.update(overrides)
    return body


# A German business customer; its VAT number's check digit is right.
ACME_GMBH = {"id": "acme", "email": "buy@acme.example", "name": "ACME GmbH", "vat_id": "DE123456788"}


# The timeline of an order that travels the whole way, in order.
COMPLETED_TIMELINE = [
    "order_accepted",
    "payment_authorized",
    "picking_started",
    "customer_notified",  # order confirmed
    "parcel_packed",
    "payment_captured",
    "invoice_issued",
    "parcel_booked",
    "customer_notified",  # on its way, with the tracking link
    "parcel_picked_up",
    "parcel_in_transit",
    "parcel_out_for_delivery",
    "parcel_delivered",
    "customer_notified",  # delivered
    "customer_notified",  # how was it?
    "order_completed",
]
