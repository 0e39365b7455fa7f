"""The reports page: the week's figures at a glance, each report as a chart with its numbers
in a table beside it and a CSV of that table. The figures, tables and CSV are the API's
(`GET /reports/...`, starter/operations/report_tables.py); the CSV is served here under
the console's session, since a browser has no API key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from db import order_search
from domain.errors import OrdinoError
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
from starter.console.charts import bar_chart, horizontal_bars
from starter.console.pages import render
from starter.console.permissions import may
from starter.console.sessions import PREFIX, ConsoleRefusal, Staff, StaffSession
from starter.http.dependencies import Services, Svc
from starter.operations.report_tables import REPORTS, ReportName, Table, bucket_label, csv_filename, csv_text
from starter.operations.sessions import read

router = APIRouter(prefix=PREFIX)
Field = Annotated[str, Query(max_length=40)]
Facts = list[tuple[str, str]]


@dataclass(frozen=True)
class Panel:
    """One report on the page: its charts, its headline figures, its table and CSV link."""

    name: str
    title: str
    charts: list[str]
    facts: Facts
    table: Table
    csv_url: str


NONE = "n/a"  # a figure of nothing: a rate or median of no orders


def percent(rate: Decimal | None) -> str:
    return NONE if rate is None else f"{rate * 100:.1f} %"


def _or_dash(value: object) -> str:
    return NONE if value is None else str(value)


def _daily(r: DailySales) -> tuple[list[str], Facts]:
    days = [d.day.strftime("%m-%d") for d in r.days]
    charts = [bar_chart("Orders placed per day", days, [d.orders for d in r.days])]
    charts += [bar_chart(f"Revenue per day, {c}", days, [d.revenue[c] for d in r.days]) for c in r.currencies]
    return charts, [("Orders placed", str(sum(d.orders for d in r.days))),
                    ("of which cancelled", str(sum(d.cancelled for d in r.days)))]  # fmt: skip


def _order_value(r: OrderValue) -> tuple[list[str], Facts]:
    chart = horizontal_bars("Orders not cancelled, per currency", [c.currency for c in r.currencies],
                            [c.orders for c in r.currencies])  # fmt: skip
    return [chart], [
        (f"Average order, {c.currency}", f"{c.average_order_value} {c.currency}") for c in r.currencies
    ]


def _durations(r: Durations) -> tuple[list[str], Facts]:
    labels = [bucket_label(b.from_days, b.to_days) for b in r.buckets]
    chart = bar_chart("How long it took", labels, [b.count for b in r.buckets])
    return [chart], [("Count", str(r.count)), ("Median, hours", _or_dash(r.median_hours)),
                     ("90th percentile, hours", _or_dash(r.p90_hours))]  # fmt: skip


def _on_time(r: OnTimeDelivery) -> tuple[list[str], Facts]:
    chart = horizontal_bars("Delivered parcels", ["on time", "late"], [r.on_time, r.late])
    return [chart], [("On time", percent(r.on_time_rate)), ("SLA, hours from booking", str(r.sla_hours))]


def _cancellations(r: Cancellations) -> tuple[list[str], Facts]:
    chart = horizontal_bars(
        "Cancellations by reason", [c.reason for c in r.reasons], [c.count for c in r.reasons]
    )
    return [chart], [("Cancelled", f"{r.cancelled} of {r.orders}"), ("Cancellation rate", percent(r.rate))]


def _returns(r: Returns) -> tuple[list[str], Facts]:
    labels = [c.reason.replace("_", " ") for c in r.reasons]
    chart = horizontal_bars("Returns by reason", labels, [c.returns for c in r.reasons])
    return [chart], [("Returned", f"{r.returned_orders} of {r.delivered_orders} delivered"),
                     ("Return rate", percent(r.rate))]  # fmt: skip


def _feedback(r: FeedbackReport) -> tuple[list[str], Facts]:
    ratings = sorted(r.distribution.items(), reverse=True)
    chart = horizontal_bars(
        "Ratings", [f"{'★' * n} {n}" for n, _ in ratings], [count for _, count in ratings]
    )
    return [chart], [("Ratings", str(r.count)), ("Average", _or_dash(r.average))]


DRAWN: dict[ReportName, Callable[[Any], tuple[list[str], Facts]]] = {
    ReportName.DAILY: _daily,
    ReportName.ORDER_VALUE: _order_value,
    ReportName.PROCESSING_TIME: _durations,
    ReportName.DELIVERY_TIME: _durations,
    ReportName.ON_TIME: _on_time,
    ReportName.CANCELLATIONS: _cancellations,
    ReportName.RETURNS: _returns,
    ReportName.FEEDBACK: _feedback,
}


def _every_report(session: Session, period: ReportPeriod, sla: timedelta) -> dict[ReportName, Any]:
    """All the page's figures, in one session."""
    return {name: report.figures(session, period, sla) for name, report in REPORTS.items()}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _period(first: str, last: str, channel: str) -> ReportPeriod:
    """The form's period; a day that is not a date counts as not given."""
    return ReportPeriod.of(_day(first), _day(last), channel, datetime.now(UTC).date())


def _query(period: ReportPeriod) -> str:
    fields = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    return urlencode(fields | ({"channel": period.channel} if period.channel else {}))


def _allowed(staff: StaffSession) -> None:
    if not may(staff.principal, "GET", "/reports/daily"):
        raise ConsoleRefusal("Your role may not read the reports.")


async def _panels(svc: Services, period: ReportPeriod) -> list[Panel]:
    found = await read(svc.db, _every_report, period, svc.settings.delivery_sla)
    panels = []
    for name, figures in found.items():
        charts, facts = DRAWN[name](figures)
        csv_url = f"/console/reports/{name.value}.csv?{_query(period)}"
        panels.append(
            Panel(name.value, REPORTS[name].title, charts, facts, REPORTS[name].table(figures), csv_url)
        )
    return panels


@router.get("/reports", response_class=HTMLResponse)
async def reports_page(
    request: Request, staff: Staff, svc: Svc, first: Annotated[str, Query(alias="from", max_length=40)] = "",
    last: Annotated[str, Query(alias="to", max_length=40)] = "", channel: Field = "",
) -> HTMLResponse:  # fmt: skip
    _allowed(staff)
    channels = await read(svc.db, order_search.channels)
    try:
        period = _period(first, last, channel)
    except OrdinoError as err:
        fallback = _period("", "", channel)
        return render(request, staff, "reports/page.html", status_code=422, error=err, period=fallback,
                      asked={"from": first, "to": last}, channels=channels, panels=[])  # fmt: skip
    panels = await _panels(svc, period)
    asked = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    return render(request, staff, "reports/page.html", period=period, channels=channels, panels=panels,
                  asked=asked)  # fmt: skip


@router.get("/reports/{name}.csv")
async def report_csv(
    name: ReportName, staff: Staff, svc: Svc, first: Annotated[str, Query(alias="from", max_length=40)] = "",
    last: Annotated[str, Query(alias="to", max_length=40)] = "", channel: Field = "",
) -> Response:  # fmt: skip
    """The table beside a chart, as CSV: the same rows as GET /reports/{name}.csv."""
    _allowed(staff)
    try:
        period = _period(first, last, channel)
    except OrdinoError as err:
        raise ConsoleRefusal(err.message, status_code=422) from None
    figures = await read(svc.db, REPORTS[name].figures, period, svc.settings.delivery_sla)
    disposition = f'attachment; filename="{csv_filename(name, period)}"'
    return Response(csv_text(REPORTS[name].table(figures)), media_type="text/csv",
                    headers={"content-disposition": disposition})  # fmt: skip
