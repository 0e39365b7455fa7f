"""The operations reports in SQL over the read model. What each figure means is said on its
model in domain/reports.py; here is how it is counted:

- the orders of a report (`placed`) are those whose row was written in the range (the order
  was taken in: accepted, or backordered) on the channel asked for; rejected ones never
  got that far;
- "accepted" is that moment (`orders.created_at`), so a backorder's wait counts as
  processing time: the customer waited through it;
- "shipped" is the booking of the order's first parcel (`shipments.booked_at`): the order
  is `shipped` from then, the delivery SLA runs from it, and not every carrier reports a
  pickup;
- "delivered" is when the carrier says the parcel arrived (`shipments.delivered_at`, the
  event's own time); delivery time and punctuality are per parcel, as the SLA is;
- revenue is the grand total (tax and shipping included) of orders not cancelled, per
  currency, never added across currencies; refunds of returns do not lower it (they are
  in the return rate).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from domain.money import round_money
from domain.reports import (
    DURATION_BUCKET_DAYS,
    HOURS_PLACES,
    Cancellations,
    CurrencySales,
    DailySales,
    DaySales,
    DurationBucket,
    Durations,
    FeedbackReport,
    OnTimeDelivery,
    OrderValue,
    ReasonCount,
    ReportPeriod,
    ReturnReasonCount,
    Returns,
    rate,
)
from domain.returns import ReturnReason, ReturnStatus

# The reasons a chart shows by name; the rest are added up as one.
TOP_REASONS = 10
OTHER_REASONS = "other reasons"
NO_REASON = "no reason given"
# A return refused by support, or whose parcel never came back, brought nothing back.
NOT_RETURNED = [ReturnStatus.REJECTED.value, ReturnStatus.EXPIRED.value]

PLACED = """
WITH placed AS (
    SELECT * FROM orders
    WHERE created_at >= :start AND created_at < :end AND status <> 'rejected'
      AND (CAST(:channel AS text) IS NULL OR channel = CAST(:channel AS text))
)
"""


def _params(period: ReportPeriod, **more: Any) -> dict[str, Any]:
    return {"start": period.start, "end": period.end, "channel": period.channel, **more}


def _rows(session: Session, sql: str, period: ReportPeriod, **more: Any) -> list[Any]:
    return list(session.execute(text(PLACED + sql), _params(period, **more)).all())


def daily_sales(session: Session, period: ReportPeriod) -> DailySales:
    days = _rows(session, """
        SELECT CAST(d AS date) AS day, count(o.id) AS orders,
               count(o.id) FILTER (WHERE o.status = 'cancelled') AS cancelled
        FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d
        LEFT JOIN placed o ON CAST(o.created_at AT TIME ZONE 'UTC' AS date) = CAST(d AS date)
        GROUP BY d ORDER BY d
    """, period, first=period.first_day, last=period.last_day)  # fmt: skip
    revenue = _rows(session, """
        SELECT CAST(created_at AT TIME ZONE 'UTC' AS date) AS day, currency, sum(grand_total) AS revenue
        FROM placed WHERE status <> 'cancelled' GROUP BY 1, 2
    """, period)  # fmt: skip
    currencies = sorted({row.currency for row in _currencies(session, period)})
    by_day = {(row.day, row.currency): row.revenue for row in revenue}
    return DailySales(
        period=period,
        currencies=currencies,
        days=[
            DaySales(
                day=row.day, orders=row.orders, cancelled=row.cancelled,
                revenue={c: round_money(by_day.get((row.day, c), Decimal(0)), c) for c in currencies},
            )
            for row in days
        ],
    )  # fmt: skip


def _currencies(session: Session, period: ReportPeriod) -> list[Any]:
    return _rows(session, "SELECT DISTINCT currency FROM placed", period)


def order_value(session: Session, period: ReportPeriod) -> OrderValue:
    rows = _rows(session, """
        SELECT currency, count(*) AS orders, sum(grand_total) AS revenue, avg(grand_total) AS average
        FROM placed WHERE status <> 'cancelled' GROUP BY currency ORDER BY currency
    """, period)  # fmt: skip
    return OrderValue(
        period=period,
        currencies=[
            CurrencySales(
                currency=r.currency, orders=r.orders, revenue=round_money(r.revenue, r.currency),
                average_order_value=round_money(r.average, r.currency),
            )
            for r in rows
        ],
    )  # fmt: skip


def _durations(session: Session, period: ReportPeriod, hours_sql: str) -> Durations:
    """Median, p90 and per-day counts of the `hours` that hours_sql selects."""
    top = DURATION_BUCKET_DAYS
    stats = _rows(session, f"""
        , durations AS ({hours_sql})
        SELECT count(*) AS count,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(hours AS double precision)) AS median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY CAST(hours AS double precision)) AS p90
        FROM durations
    """, period)[0]  # fmt: skip
    counts = dict(
        _rows(
            session,
            f"""
            , durations AS ({hours_sql})
            SELECT least(CAST(floor(hours / 24) AS integer), :top) AS bucket, count(*)
            FROM durations GROUP BY 1
        """,
            period,
            top=DURATION_BUCKET_DAYS,
        )
    )
    return Durations(
        period=period,
        count=stats.count,
        median_hours=_hours(stats.median),
        p90_hours=_hours(stats.p90),
        buckets=[
            DurationBucket(from_days=d, to_days=None if d == top else d + 1, count=counts.get(d, 0))
            for d in range(top + 1)
        ],
    )  # fmt: skip


def _hours(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(HOURS_PLACES)


def processing_time(session: Session, period: ReportPeriod) -> Durations:
    """From acceptance to the booking of the order's first parcel, per order that shipped."""
    return _durations(session, period, """
        SELECT extract(epoch FROM min(s.booked_at) - o.created_at) / 3600 AS hours
        FROM placed o JOIN shipments s ON s.order_id = o.id GROUP BY o.id, o.created_at
    """)  # fmt: skip


def delivery_time(session: Session, period: ReportPeriod) -> Durations:
    """From a parcel's booking to its delivery, per delivered parcel (a reshipment from its own)."""
    return _durations(session, period, """
        SELECT extract(epoch FROM s.delivered_at - s.booked_at) / 3600 AS hours
        FROM placed o JOIN shipments s ON s.order_id = o.id WHERE s.delivered_at IS NOT NULL
    """)  # fmt: skip


def on_time_delivery(session: Session, period: ReportPeriod, sla: timedelta) -> OnTimeDelivery:
    """Delivered parcels, and which of them the workflow had flagged late (its `delivery_late`
    event, keyed `late:<tracking number>`): the verdict the customer and support were told,
    under the SLA the order started with. `sla` is the setting in force, shown beside it."""
    row = _rows(session, """
        SELECT count(*) AS delivered,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM order_events e WHERE e.order_id = s.order_id
                   AND e.type = 'delivery_late' AND e.key = 'late:' || s.tracking_number
               )) AS late
        FROM placed o JOIN shipments s ON s.order_id = o.id WHERE s.delivered_at IS NOT NULL
    """, period)[0]  # fmt: skip
    on_time = row.delivered - row.late
    return OnTimeDelivery(
        period=period,
        sla_hours=(Decimal(sla.total_seconds()) / 3600).quantize(HOURS_PLACES),
        delivered=row.delivered,
        on_time=on_time,
        late=row.late,
        on_time_rate=rate(on_time, row.delivered),
    )


def cancellations(session: Session, period: ReportPeriod) -> Cancellations:
    """Cancelled among placed; reasons as the cancellation recorded them (the order's status
    reason), the most frequent first, beyond the top ten added up as "other reasons"."""
    row = _rows(session, """
        SELECT count(*) AS orders, count(*) FILTER (WHERE status = 'cancelled') AS cancelled FROM placed
    """, period)[0]  # fmt: skip
    reasons = _rows(session, """
        SELECT coalesce(nullif(status_reason, ''), :none) AS reason, count(*) AS count
        FROM placed WHERE status = 'cancelled' GROUP BY 1 ORDER BY count DESC, reason
    """, period, none=NO_REASON)  # fmt: skip
    shown = [ReasonCount(reason=r.reason, count=r.count) for r in reasons[:TOP_REASONS]]
    rest = sum(r.count for r in reasons[TOP_REASONS:])
    if rest:
        shown.append(ReasonCount(reason=OTHER_REASONS, count=rest))
    return Cancellations(
        period=period, orders=row.orders, cancelled=row.cancelled, rate=rate(row.cancelled, row.orders),
        reasons=shown,
    )  # fmt: skip


RETURNED = """
, returned AS (
    SELECT r.id, r.order_id FROM placed o JOIN returns r ON r.order_id = o.id
    WHERE r.status <> ALL(CAST(:not_returned AS text[]))
)
"""


def returns(session: Session, period: ReportPeriod) -> Returns:
    """Orders with a return among the delivered ones (a parcel of theirs arrived); a return
    counts unless support rejected it or it expired (nothing came back). Per reason: the
    returns naming it on a line and their units, every reason listed."""
    statuses = {"not_returned": NOT_RETURNED}
    row = _rows(session, RETURNED + """
        SELECT
            (SELECT count(*) FROM placed o WHERE EXISTS (
                SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.delivered_at IS NOT NULL
            )) AS delivered,
            (SELECT count(DISTINCT order_id) FROM returned) AS returned
    """, period, **statuses)[0]  # fmt: skip
    by_reason = {
        r.reason: r
        for r in _rows(
            session,
            RETURNED
            + """
            SELECT l.reason, count(DISTINCT l.return_id) AS returns, sum(l.quantity) AS units
            FROM returned JOIN return_lines l ON l.return_id = returned.id GROUP BY l.reason
        """,
            period,
            **statuses,
        )
    }
    return Returns(
        period=period,
        delivered_orders=row.delivered,
        returned_orders=row.returned,
        rate=rate(row.returned, row.delivered),
        reasons=[
            ReturnReasonCount(
                reason=reason.value,
                returns=by_reason[reason.value].returns if reason.value in by_reason else 0,
                units=by_reason[reason.value].units if reason.value in by_reason else 0,
            )
            for reason in ReturnReason
        ],
    )


def feedback(session: Session, period: ReportPeriod) -> FeedbackReport:
    """The ratings of the orders placed in the range: count, average (to the cent), per rating."""
    rows = dict(
        _rows(
            session,
            """
            SELECT f.rating, count(*) FROM placed o JOIN order_feedback f ON f.order_id = o.id
            GROUP BY f.rating
        """,
            period,
        )
    )
    count = sum(rows.values())
    total = sum(rating * n for rating, n in rows.items())
    return FeedbackReport(
        period=period,
        count=count,
        average=(Decimal(total) / count).quantize(Decimal("0.01")) if count else None,
        distribution={rating: rows.get(rating, 0) for rating in range(1, 6)},
    )
