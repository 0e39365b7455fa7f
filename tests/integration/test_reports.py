"""The operations reports against hand-built data whose figures are known
(tests/support/report_data.py): each figure from the SQL, the channel filter, the edges of
the range, an empty range and several currencies; then the same figures over HTTP, as
JSON and as CSV, and the refusals of a bad range."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from db import reports
from db.engine import Database
from domain.reports import ReportPeriod
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from starter.operations.report_tables import REPORTS, ReportName
from tests.support.keys import api_client
from tests.support.report_data import EXPECTED, FIRST, LAST, ReportData, build

SLA = timedelta(days=5)


@pytest.fixture(scope="module")
def week(db: Database) -> ReportData:
    return build(db)


def figures(db: Database, name: str, first: date, last: date, channel: str | None) -> dict[str, Any]:
    """A report as its JSON would read, without the period."""
    period = ReportPeriod(first_day=first, last_day=last, channel=channel)
    with db.reader() as s:
        found = REPORTS[ReportName(name)].figures(s, period, SLA)
    return found.model_dump(mode="json", exclude={"period"})


def counts(found: dict[str, Any]) -> dict[str, Any]:
    """A report with the counts of its distribution's buckets alone, if it has one."""
    if "buckets" not in found:
        return found
    return {**found, "buckets": [b["count"] for b in found["buckets"]]}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_figure_of_the_week_is_the_one_worked_out_by_hand(db, week, name):
    assert counts(figures(db, name, FIRST, LAST, week.channel)) == EXPECTED[name]


def test_the_buckets_of_a_distribution_are_whole_days_and_the_last_is_open(db, week):
    buckets = figures(db, "delivery-time", FIRST, LAST, week.channel)["buckets"]
    assert [(b["from_days"], b["to_days"]) for b in buckets] == [(d, d + 1) for d in range(7)] + [(7, None)]


def test_all_channels_add_the_other_channels_orders(db, week):
    """With no channel the range holds only this week's two channels (no other test uses
    2037): H, on the other channel, joins day 2 and every figure it touches."""
    days = figures(db, "daily", FIRST, LAST, None)["days"]
    assert days[1] == {
        "day": "2037-03-02",
        "orders": 1,
        "cancelled": 0,
        "revenue": {"EUR": "10.00", "USD": "0.00"},
    }
    assert counts(figures(db, "processing-time", FIRST, LAST, None))["count"] == 4
    assert figures(db, "on-time", FIRST, LAST, None)["on_time"] == 3
    assert figures(db, "feedback", FIRST, LAST, None)["distribution"]["4"] == 1
    other = figures(db, "order-value", FIRST, LAST, week.other_channel)
    assert other == {
        "currencies": [{"currency": "EUR", "orders": 1, "revenue": "10.00", "average_order_value": "10.00"}]
    }


def test_a_day_runs_from_its_first_moment_in_utc_to_the_next_days(db, week):
    # C was placed at 00:00 of the 3rd; B at 01:30 on the 2nd in UTC+2, the 1st in UTC.
    third = figures(db, "daily", date(2037, 3, 3), date(2037, 3, 3), week.channel)
    assert third["days"] == [{"day": "2037-03-03", "orders": 2, "cancelled": 1, "revenue": {"USD": "70.00"}}]
    assert figures(db, "daily", date(2037, 3, 2), date(2037, 3, 2), week.channel)["days"][0]["orders"] == 0
    # E at 23:59:59 on the 7th is the 7th's; F at 00:00 on the 8th the 8th's; G the 28th's.
    edges = figures(db, "daily", date(2037, 2, 28), date(2037, 3, 8), week.channel)["days"]
    assert [(d["day"][5:], d["orders"]) for d in edges if d["orders"]] == [
        ("02-28", 1), ("03-01", 2), ("03-03", 2), ("03-07", 1), ("03-08", 1),
    ]  # fmt: skip


def test_a_range_without_orders_is_all_zero_days_and_no_figures(db, week):
    first, last = date(2037, 6, 1), date(2037, 6, 3)
    assert figures(db, "daily", first, last, week.channel) == {
        "currencies": [],
        "days": [{"day": f"2037-06-0{d}", "orders": 0, "cancelled": 0, "revenue": {}} for d in (1, 2, 3)],
    }
    assert figures(db, "order-value", first, last, week.channel) == {"currencies": []}
    assert counts(figures(db, "delivery-time", first, last, week.channel)) == {
        "count": 0, "median_hours": None, "p90_hours": None, "buckets": [0] * 8,
    }  # fmt: skip
    assert figures(db, "on-time", first, last, week.channel)["on_time_rate"] is None
    assert figures(db, "cancellations", first, last, week.channel) == {
        "orders": 0, "cancelled": 0, "rate": None, "reasons": [],
    }  # fmt: skip
    assert figures(db, "returns", first, last, week.channel)["rate"] is None
    assert figures(db, "feedback", first, last, week.channel)["average"] is None


def test_beyond_ten_reasons_the_rest_are_added_up(db):
    data = ReportData(db, "rpt-reasons", "rpt-unused")
    for n in range(12):
        data.order(f"R{n}", "2037-05-01T10:00:00+00:00", "1.00", status="cancelled", reason=f"reason {n:02}")
    data.order("R12", "2037-05-01T10:00:00+00:00", "1.00", status="cancelled", reason="reason 00")
    period = ReportPeriod(first_day=date(2037, 5, 1), last_day=date(2037, 5, 1), channel="rpt-reasons")
    with db.reader() as s:
        reasons = reports.cancellations(s, period).reasons
    assert [(r.reason, r.count) for r in reasons] == [
        ("reason 00", 2), *((f"reason {n:02}", 1) for n in range(1, 10)), ("other reasons", 2),
    ]  # fmt: skip


# --- over HTTP ------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def api(dev_env: WorkflowEnvironment, db: Database, settings: Settings):
    app = create_app(settings, Services(settings, dev_env.client, db))
    async with api_client(app, db) as client:
        yield client


async def test_the_api_answers_each_report_and_its_table_as_csv(api, week):
    window = {"from": FIRST.isoformat(), "to": LAST.isoformat(), "channel": week.channel}
    for name, expected in EXPECTED.items():
        answer = await api.get(f"/reports/{name}", params=window)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body.pop("period") == {
            "first_day": "2037-03-01",
            "last_day": "2037-03-07",
            "channel": week.channel,
        }
        assert counts(body) == expected
    sheet = await api.get("/reports/daily.csv", params=window)
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert (
        f'filename="daily-{week.channel}-2037-03-01-2037-03-07.csv"' in sheet.headers["content-disposition"]
    )
    rows = list(csv.reader(io.StringIO(sheet.text)))
    assert rows[0] == ["day", "orders", "cancelled", "revenue EUR", "revenue USD"]
    assert rows[1] == ["2037-03-01", "2", "0", "150.01", "0.00"]
    assert len(rows) == 1 + 7
    returned = list(csv.reader(io.StringIO((await api.get("/reports/returns.csv", params=window)).text)))
    assert returned == [["reason", "returns", "units"]] + [
        [r["reason"], str(r["returns"]), str(r["units"])] for r in EXPECTED["returns"]["reasons"]
    ]


async def test_a_bad_range_over_http_is_a_coded_422(api):
    backwards = await api.get("/reports/daily", params={"from": "2037-03-08", "to": "2037-03-07"})
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid_date_range")
    too_long = await api.get("/reports/feedback.csv", params={"from": "2030-01-01", "to": "2037-03-07"})
    assert (too_long.status_code, too_long.json()["code"]) == (422, "invalid_date_range")
    not_a_date = await api.get("/reports/returns", params={"from": "March"})
    assert (not_a_date.status_code, not_a_date.json()["code"]) == (422, "invalid_parameter")
    unknown = await api.get("/reports/nothing.csv")
    assert unknown.status_code == 422


async def test_the_feedback_report_with_no_filter_covers_the_last_week(api, db):
    """GET /reports/feedback as it was called before it took a range: this week's ratings."""
    data = ReportData(db, "rpt-today", "rpt-unused")
    now = datetime.now(UTC).isoformat()
    data.rated(data.order("T", now, "1.00"), 3)
    body = (await api.get("/reports/feedback")).json()
    today = datetime.now(UTC).date()
    week_ago = (today - timedelta(days=6)).isoformat()
    assert body["period"] == {"first_day": week_ago, "last_day": today.isoformat(), "channel": None}
    assert body["count"] >= 1 and body["distribution"]["3"] >= 1
