"""Hand-built read-model rows for the reports, written straight into the test database:
orders on a channel of their own in a week of 2037 that no other test touches, with their
parcels, late flags, returns and ratings, and every figure the reports must find in them,
worked out by hand (`EXPECTED`).

The week is 2037-03-01 to 2037-03-07 (UTC days); `channel` and `other_channel` are unique
per run, so the channel filter and the all-channels answer are both known."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from db.engine import Database
from db.models import Order, OrderEvent, OrderFeedback, ReturnLineRow, ReturnRow, Shipment

FIRST, LAST = date(2037, 3, 1), date(2037, 3, 7)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class ReportData:
    db: Database
    channel: str
    other_channel: str

    def order(self, name: str, placed: str, total: str, currency: str = "EUR", status: str = "delivered",
              reason: str | None = None, channel: str | None = None) -> str:  # fmt: skip
        order_id = f"{channel or self.channel}-{name}"
        with self.db.transaction() as s:
            s.execute(insert(Order).values(
                id=order_id, channel=channel or self.channel, external_id=name, customer_id=f"c-{name}",
                customer_email=f"{name}@example.com", customer_name="Report Test", shipping_address={},
                currency=currency, status=status, net_total=Decimal(total), tax_total=Decimal(0),
                grand_total=Decimal(total), quote={}, request_fingerprint="-", status_reason=reason,
                created_at=at(placed), updated_at=at(placed),
            ))  # fmt: skip
        return order_id

    def parcel(self, order_id: str, booked: str, delivered: str | None = None, late: bool = False) -> str:
        tn = f"RPT{uuid.uuid4().hex[:12].upper()}"
        with self.db.transaction() as s:
            s.execute(insert(Shipment).values(
                id=f"{order_id}:{tn}", order_id=order_id, warehouse="MIL", carrier="sandbox",
                tracking_number=tn, status="delivered" if delivered else "in_transit", booked_at=at(booked),
                delivered_at=at(delivered) if delivered else None, updated_at=at(booked),
            ))  # fmt: skip
            if late:
                due = at(booked) + timedelta(days=5)
                s.execute(insert(OrderEvent).values(
                    order_id=order_id, key=f"late:{tn}", type="delivery_late", status="in_transit", at=due,
                    actor="system", reason=f"parcel {tn} not delivered within 5 days", data={},
                ))  # fmt: skip
        return tn

    def returned(self, order_id: str, status: str, lines: dict[str, tuple[str, int]]) -> None:
        """A return of `lines` (sku: (reason, quantity)) in `status`."""
        return_id = f"{order_id}:r{uuid.uuid4().hex[:6]}"
        with self.db.transaction() as s:
            s.execute(insert(ReturnRow).values(
                id=return_id, order_id=order_id, reference=return_id[-7:], status=status, resolution="refund",
                requested_by="customer", requested_at=at("2037-03-10T09:00:00+00:00"),
                updated_at=at("2037-03-10T09:00:00+00:00"), refunded=Decimal(0), outcome={},
            ))  # fmt: skip
            for sku, (reason, quantity) in lines.items():
                s.execute(insert(ReturnLineRow).values(return_id=return_id, sku=sku, quantity=quantity,
                                                       reason=reason))  # fmt: skip

    def rated(self, order_id: str, rating: int) -> None:
        with self.db.transaction() as s:
            s.execute(insert(OrderFeedback).values(order_id=order_id, rating=rating,
                                                   at=at("2037-03-12T09:00:00+00:00")))  # fmt: skip


MUG, FILTERS = "MUG-CLASSIC", "FILTER-100"


_BUILT: dict[str, ReportData] = {}


def build(db: Database) -> ReportData:
    """The week, written once per test database: the modules that read it share it, as
    figures over all channels count every order of the week."""
    url = str(db.engine.url)
    if url not in _BUILT:
        _BUILT[url] = _write(db)
    return _BUILT[url]


def _write(db: Database) -> ReportData:
    """The week's orders (times in UTC unless they say otherwise):

    | order | placed | total | status | booked (first) | delivered |
    |---|---|---|---|---|---|
    | A | 03-01 10:00 | EUR 100.00 | delivered | 03-02 10:00 (24 h) | 03-04 10:00 (48 h) |
    | B | 03-01 23:30 (01:30+02:00) | EUR 50.01 | delivered | 03-02 11:30 (12 h) | 03-08 11:30 (144 h, late) |
    | C | 03-03 00:00 | USD 30.00 | cancelled: declined | | |
    | D | 03-03 12:00 | USD 70.00 | in transit | 03-05 12:00 (48 h); 03-06 12:00 | 03-06 00:00 (12 h); - |
    | E | 03-07 23:59:59 | EUR 25.50 | cancelled: changed mind | | |
    | F | 03-08 00:00, after | EUR 999.00 | | | |
    | G | 02-28 23:59:59, before | EUR 999.00 | | | |
    | H | 03-02 08:00, other channel | EUR 10.00 | delivered | 03-02 20:00 (12 h) | 03-03 20:00 (24 h) |

    Returns: A closed (changed_mind x1, damaged x2), B requested (changed_mind x3), D
    rejected (damaged x1, so not a return). Ratings: A 5, B 2, H 4.
    """
    data = ReportData(db, f"rpt-{uuid.uuid4().hex[:8]}", f"rpo-{uuid.uuid4().hex[:8]}")
    a = data.order("A", "2037-03-01T10:00:00+00:00", "100.00")
    data.parcel(a, "2037-03-02T10:00:00+00:00", "2037-03-04T10:00:00+00:00")
    b = data.order("B", "2037-03-02T01:30:00+02:00", "50.01")
    data.parcel(b, "2037-03-02T11:30:00+00:00", "2037-03-08T11:30:00+00:00", late=True)
    data.order("C", "2037-03-03T00:00:00+00:00", "30.00", "USD", "cancelled",
               reason="payment declined: insufficient_funds")  # fmt: skip
    d = data.order("D", "2037-03-03T12:00:00+00:00", "70.00", "USD", "in_transit")
    data.parcel(d, "2037-03-05T12:00:00+00:00", "2037-03-06T00:00:00+00:00")
    data.parcel(d, "2037-03-06T12:00:00+00:00")
    data.order(
        "E", "2037-03-07T23:59:59+00:00", "25.50", status="cancelled", reason="customer changed their mind"
    )
    data.order("F", "2037-03-08T00:00:00+00:00", "999.00")
    data.order("G", "2037-02-28T23:59:59+00:00", "999.00")
    h = data.order("H", "2037-03-02T08:00:00+00:00", "10.00", channel=data.other_channel)
    data.parcel(h, "2037-03-02T20:00:00+00:00", "2037-03-03T20:00:00+00:00")
    data.returned(a, "closed", {MUG: ("changed_mind", 1), FILTERS: ("damaged", 2)})
    data.returned(b, "requested", {MUG: ("changed_mind", 3)})
    data.returned(d, "rejected", {MUG: ("damaged", 1)})
    data.rated(a, 5)
    data.rated(b, 2)
    data.rated(h, 4)
    return data


def zero_day(day: int) -> dict[str, Any]:
    return {
        "day": f"2037-03-{day:02}",
        "orders": 0,
        "cancelled": 0,
        "revenue": {"EUR": "0.00", "USD": "0.00"},
    }


# The week on the channel, as the API answers it (JSON).
EXPECTED: dict[str, dict[str, Any]] = {
    "daily": {
        "currencies": ["EUR", "USD"],
        "days": [
            {"day": "2037-03-01", "orders": 2, "cancelled": 0, "revenue": {"EUR": "150.01", "USD": "0.00"}},
            zero_day(2),
            {"day": "2037-03-03", "orders": 2, "cancelled": 1, "revenue": {"EUR": "0.00", "USD": "70.00"}},
            zero_day(4),
            zero_day(5),
            zero_day(6),
            {"day": "2037-03-07", "orders": 1, "cancelled": 1, "revenue": {"EUR": "0.00", "USD": "0.00"}},
        ],
    },
    "order-value": {
        "currencies": [
            # 150.01 / 2 = 75.005, rounded half up to the cent.
            {"currency": "EUR", "orders": 2, "revenue": "150.01", "average_order_value": "75.01"},
            {"currency": "USD", "orders": 1, "revenue": "70.00", "average_order_value": "70.00"},
        ]
    },
    # Hours 12, 24, 48: the median is 24; p90 lies 0.8 of the way from 24 to 48.
    "processing-time": {
        "count": 3,
        "median_hours": "24.00",
        "p90_hours": "43.20",
        "buckets": [1, 1, 1, 0, 0, 0, 0, 0],
    },
    # Hours 12, 48, 144 (the second parcel of D travels on): p90 = 48 + 0.8 * 96.
    "delivery-time": {
        "count": 3,
        "median_hours": "48.00",
        "p90_hours": "124.80",
        "buckets": [1, 0, 1, 0, 0, 0, 1, 0],
    },
    "on-time": {"sla_hours": "120.00", "delivered": 3, "on_time": 2, "late": 1, "on_time_rate": "0.6667"},
    "cancellations": {
        "orders": 5,
        "cancelled": 2,
        "rate": "0.4000",
        "reasons": [
            {"reason": "customer changed their mind", "count": 1},
            {"reason": "payment declined: insufficient_funds", "count": 1},
        ],
    },
    "returns": {
        "delivered_orders": 3,
        "returned_orders": 2,
        "rate": "0.6667",
        "reasons": [
            {"reason": "damaged", "returns": 1, "units": 2},
            {"reason": "wrong_item", "returns": 0, "units": 0},
            {"reason": "not_as_described", "returns": 0, "units": 0},
            {"reason": "changed_mind", "returns": 2, "units": 4},
            {"reason": "other", "returns": 0, "units": 0},
        ],
    },
    "feedback": {"count": 2, "average": "3.50", "distribution": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}},
}
