"""The reports by name, each with its figures (db/reports.py) and the table they read as:
the API's CSV and the console's table beside each chart are the same rows, written once here."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from db import reports
from domain.reports import (
    Cancellations,
    DailySales,
    Durations,
    FeedbackReport,
    OnTimeDelivery,
    OrderValue,
    ReportPeriod,
    Returns,
)

Cell = str | int | Decimal | None


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


class ReportName(StrEnum):
    DAILY = "daily"
    ORDER_VALUE = "order-value"
    PROCESSING_TIME = "processing-time"
    DELIVERY_TIME = "delivery-time"
    ON_TIME = "on-time"
    CANCELLATIONS = "cancellations"
    RETURNS = "returns"
    FEEDBACK = "feedback"


def daily_table(r: DailySales) -> Table:
    return Table(
        ("day", "orders", "cancelled", *(f"revenue {c}" for c in r.currencies)),
        [(d.day.isoformat(), d.orders, d.cancelled, *(d.revenue[c] for c in r.currencies)) for d in r.days],
    )


def order_value_table(r: OrderValue) -> Table:
    return Table(
        ("currency", "orders", "revenue", "average order value"),
        [(c.currency, c.orders, c.revenue, c.average_order_value) for c in r.currencies],
    )


def bucket_label(from_days: int, to_days: int | None) -> str:
    return f"{from_days}+ days" if to_days is None else f"{from_days}-{to_days} days"


def durations_table(r: Durations) -> Table:
    return Table(("took", "count"), [(bucket_label(b.from_days, b.to_days), b.count) for b in r.buckets])


def on_time_table(r: OnTimeDelivery) -> Table:
    return Table(("parcels", "count"), [("on time", r.on_time), ("late", r.late)])


def cancellations_table(r: Cancellations) -> Table:
    return Table(("reason", "orders"), [(c.reason, c.count) for c in r.reasons])


def returns_table(r: Returns) -> Table:
    return Table(("reason", "returns", "units"), [(c.reason, c.returns, c.units) for c in r.reasons])


def feedback_table(r: FeedbackReport) -> Table:
    return Table(("rating", "orders"), [(rating, n) for rating, n in sorted(r.distribution.items())])


@dataclass(frozen=True)
class Report:
    title: str
    figures: Callable[[Session, ReportPeriod, timedelta], BaseModel]
    table: Callable[[Any], Table]


def _without_sla(query: Callable[[Session, ReportPeriod], BaseModel]) -> Callable[..., BaseModel]:
    return lambda session, period, sla: query(session, period)


REPORTS: dict[ReportName, Report] = {
    ReportName.DAILY: Report("Orders and revenue per day", _without_sla(reports.daily_sales), daily_table),
    ReportName.ORDER_VALUE: Report(
        "Average order value", _without_sla(reports.order_value), order_value_table
    ),
    ReportName.PROCESSING_TIME: Report(
        "Processing time, acceptance to shipment", _without_sla(reports.processing_time), durations_table
    ),
    ReportName.DELIVERY_TIME: Report(
        "Delivery time, shipment to delivery", _without_sla(reports.delivery_time), durations_table
    ),
    ReportName.ON_TIME: Report("On-time delivery", reports.on_time_delivery, on_time_table),
    ReportName.CANCELLATIONS: Report(
        "Cancellations", _without_sla(reports.cancellations), cancellations_table
    ),
    ReportName.RETURNS: Report("Returns", _without_sla(reports.returns), returns_table),
    ReportName.FEEDBACK: Report("Feedback ratings", _without_sla(reports.feedback), feedback_table),
}


def csv_text(table: Table) -> str:
    """A header row, then one row per table row (an empty cell for a missing figure)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(_cells(row) for row in table.rows)
    return out.getvalue()


# A spreadsheet runs a cell that starts so as a formula: text (a typed cancellation reason)
# gets a leading quote instead.
FORMULA_START = ("=", "+", "-", "@")


def _cells(row: Sequence[Cell]) -> list[str]:
    return [_cell(cell) for cell in row]


def _cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return str(cell)


def csv_filename(name: ReportName, period: ReportPeriod) -> str:
    # Only what is safe in a header's quoted file name.
    channel = "".join(ch for ch in period.channel or "" if ch.isascii() and (ch.isalnum() or ch in "-_"))
    channel = f"-{channel}" if channel else ""
    return f"{name.value}{channel}-{period.first_day}-{period.last_day}.csv"
