"""The operations reports: which orders a report covers (a range of UTC days and, if asked,
one channel) and what each figure is. The SQL that computes them is db/reports.py; how each
one reads as a table (and a CSV) is starter/operations/report_tables.py.

Every figure is about the orders *placed* in the range (by the UTC day of `orders.created_at`,
the moment the order was taken in) and what has become of them so far: a recent range
still grows as its orders ship, arrive and come back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from domain.errors import ErrorCode, OrdinoError

# A year and a day: enough for "this year against last", small enough to stay fast.
MAX_DAYS = 366
# What an operations lead opens the page for: the last week, today included.
DEFAULT_DAYS = 7
EARLIEST = date(2000, 1, 1)
LATEST = date(9998, 12, 31)
# Durations are counted per whole day; the last bucket holds everything from here on.
DURATION_BUCKET_DAYS = 7
RATE_PLACES = Decimal("0.0001")
HOURS_PLACES = Decimal("0.01")


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReportPeriod(_Figures):
    """The orders a report covers: placed from `first_day` to `last_day` (both included,
    UTC days), on `channel` or on any channel when it is None."""

    first_day: date
    last_day: date
    channel: str | None = None

    @classmethod
    def of(cls, first: date | None, last: date | None, channel: str | None, today: date) -> ReportPeriod:
        """The period asked for: a missing end is today, a missing start six days before the
        end (a week). A backwards, too long or out-of-range period is refused with
        invalid_date_range."""
        last = last or today
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        details = {"from": first.isoformat(), "to": last.isoformat()}
        if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):
            raise OrdinoError(
                ErrorCode.INVALID_DATE_RANGE, f"Dates must lie between {EARLIEST} and {LATEST}", details
            )
        if first > last:
            raise OrdinoError(ErrorCode.INVALID_DATE_RANGE, "The range starts after it ends", details)
        if (last - first).days + 1 > MAX_DAYS:
            raise OrdinoError(
                ErrorCode.INVALID_DATE_RANGE, f"A report covers at most {MAX_DAYS} days", details
            )
        return cls(first_day=first, last_day=last, channel=channel or None)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the range."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), UTC)


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction to 4 places (0.1250 is 12.5 %); None of nothing."""
    return (Decimal(part) / whole).quantize(RATE_PLACES) if whole else None


class DaySales(_Figures):
    day: date
    # Every order placed that day, cancelled ones included.
    orders: int
    cancelled: int
    # Per currency of the range (never added up across currencies), cancelled orders left out.
    revenue: dict[str, Decimal]


class DailySales(_Figures):
    """Orders and revenue per day; every day of the range is here, zero when nothing came."""

    period: ReportPeriod
    currencies: list[str]
    days: list[DaySales]


class CurrencySales(_Figures):
    currency: str
    orders: int
    revenue: Decimal
    average_order_value: Decimal


class OrderValue(_Figures):
    """Revenue and average order value per currency, of the orders that were not cancelled."""

    period: ReportPeriod
    currencies: list[CurrencySales]


class DurationBucket(_Figures):
    """How many took from `from_days` up to `to_days` days (None: no upper end)."""

    from_days: int
    to_days: int | None
    count: int


class Durations(_Figures):
    """A distribution of durations in hours: median and 90th percentile (PostgreSQL's
    percentile_cont, interpolated) and how many fell in each whole day."""

    period: ReportPeriod
    count: int
    median_hours: Decimal | None
    p90_hours: Decimal | None
    buckets: list[DurationBucket]


class OnTimeDelivery(_Figures):
    """Delivered parcels against the delivery SLA: late are those the order's workflow
    flagged `delivery_late` (not delivered within the SLA of their booking)."""

    period: ReportPeriod
    sla_hours: Decimal
    delivered: int
    on_time: int
    late: int
    on_time_rate: Decimal | None


class ReasonCount(_Figures):
    reason: str
    count: int


class Cancellations(_Figures):
    """Cancelled orders among those placed, and why (the reason recorded at cancellation)."""

    period: ReportPeriod
    orders: int
    cancelled: int
    rate: Decimal | None
    reasons: list[ReasonCount]


class ReturnReasonCount(_Figures):
    reason: str
    # Returns naming the reason on at least one line, and the units returned for it.
    returns: int
    units: int


class Returns(_Figures):
    """Orders that came back (in part) among those delivered, and why."""

    period: ReportPeriod
    delivered_orders: int
    returned_orders: int
    rate: Decimal | None
    reasons: list[ReturnReasonCount]


class FeedbackReport(_Figures):
    """The customers' ratings: how many, their average, and how many gave each from 1 to 5."""

    period: ReportPeriod
    count: int
    average: Decimal | None
    distribution: dict[int, int]
