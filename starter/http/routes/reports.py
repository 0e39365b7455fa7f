"""The operations reports over HTTP: `GET /reports/<name>` answers a report's figures as JSON,
`GET /reports/<name>.csv` its table as CSV (a header row, then a row per table row). Each
takes the same filter: `from` and `to` (UTC days, both included; by default the last 7 days,
today included) and an optional `channel`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from domain.errors import ErrorCode
from domain.inputs import Text
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
from starter.http.access import GuardedRoute
from starter.http.dependencies import Services, Svc
from starter.http.openapi import refusals
from starter.operations.report_tables import REPORTS, ReportName, csv_filename, csv_text
from starter.operations.sessions import read

router = APIRouter(prefix="/reports", tags=["reports"], route_class=GuardedRoute)
RANGE = refusals(ErrorCode.INVALID_DATE_RANGE)
CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "The report's table", "content": {"text/csv": {"schema": {"type": "string"}}}}
}


FirstDay = Annotated[
    date | None, Query(alias="from", description="First UTC day (default: 6 days before `to`)")
]
LastDay = Annotated[date | None, Query(alias="to", description="Last UTC day, included (default: today)")]
Channel = Annotated[str | None, Text(32), Query(description="Only this channel's orders (any name)")]


def report_period(first: FirstDay = None, last: LastDay = None, channel: Channel = None) -> ReportPeriod:
    """The period asked for, or 422 invalid_date_range (backwards, over 366 days, out of range)."""
    return ReportPeriod.of(first, last, channel, datetime.now(UTC).date())


Period = Annotated[ReportPeriod, Depends(report_period)]


async def figures(svc: Services, name: ReportName, period: ReportPeriod) -> BaseModel:
    return await read(svc.db, REPORTS[name].figures, period, svc.settings.delivery_sla)


@router.get("/daily", response_model=DailySales, openapi_extra=RANGE)
async def daily(svc: Svc, period: Period) -> BaseModel:
    """Orders placed and revenue per day (per currency, cancelled orders left out); every
    day of the range appears, zero when nothing came."""
    return await figures(svc, ReportName.DAILY, period)


@router.get("/order-value", response_model=OrderValue, openapi_extra=RANGE)
async def order_value(svc: Svc, period: Period) -> BaseModel:
    """Per currency: orders not cancelled, their revenue and average order value."""
    return await figures(svc, ReportName.ORDER_VALUE, period)


@router.get("/processing-time", response_model=Durations, openapi_extra=RANGE)
async def processing_time(svc: Svc, period: Period) -> BaseModel:
    """Hours from acceptance to the booking of the first parcel: median, p90, per day."""
    return await figures(svc, ReportName.PROCESSING_TIME, period)


@router.get("/delivery-time", response_model=Durations, openapi_extra=RANGE)
async def delivery_time(svc: Svc, period: Period) -> BaseModel:
    """Hours from a parcel's booking to its delivery: median, p90, per day."""
    return await figures(svc, ReportName.DELIVERY_TIME, period)


@router.get("/on-time", response_model=OnTimeDelivery, openapi_extra=RANGE)
async def on_time(svc: Svc, period: Period) -> BaseModel:
    """Delivered parcels on time and late (flagged `delivery_late`) against the delivery SLA."""
    return await figures(svc, ReportName.ON_TIME, period)


@router.get("/cancellations", response_model=Cancellations, openapi_extra=RANGE)
async def cancellations(svc: Svc, period: Period) -> BaseModel:
    """The share of orders cancelled, and their reasons."""
    return await figures(svc, ReportName.CANCELLATIONS, period)


@router.get("/returns", response_model=Returns, openapi_extra=RANGE)
async def returns(svc: Svc, period: Period) -> BaseModel:
    """The share of delivered orders returned, and the returns' reasons."""
    return await figures(svc, ReportName.RETURNS, period)


@router.get("/feedback", response_model=FeedbackReport, openapi_extra=RANGE)
async def feedback(svc: Svc, period: Period) -> BaseModel:
    """The customers' ratings: how many, their average, how many gave each from 1 to 5."""
    return await figures(svc, ReportName.FEEDBACK, period)


@router.get("/{name}.csv", response_class=Response, responses=CSV, openapi_extra=RANGE)
async def report_csv(name: ReportName, svc: Svc, period: Period) -> Response:
    """A report's table as CSV: a header row, then one row per row of the table."""
    table = REPORTS[name].table(await figures(svc, name, period))
    disposition = f'attachment; filename="{csv_filename(name, period)}"'
    return Response(csv_text(table), media_type="text/csv", headers={"content-disposition": disposition})
