"""The console's reports page over HTTP with a signed-in session: the hand-built week
(tests/support/report_data.py) shows its known figures, each chart beside its table, and
each table's CSV link answers the same rows as the API's CSV."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.access import Role
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.console import console
from tests.support.keys import KeyRing, api_client
from tests.support.report_data import EXPECTED, FIRST, LAST, ReportData, build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def week(db) -> ReportData:
    return build(db)


@pytest.fixture(scope="module")
def app(dev_env: WorkflowEnvironment, db, settings: Settings):
    return create_app(settings, Services(settings, dev_env.client, db))


def section(page: str, name: str) -> str:
    found = re.search(rf'<section class="report card" id="{name}".*?</section>', page, re.S)
    assert found, f"no {name} section"
    return found.group(0)


def cells(part: str) -> list[str]:
    return [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", part, re.S)]


async def test_the_page_shows_the_weeks_known_figures_beside_their_charts(app, db, week):
    async with console(app, KeyRing(db), Role.FINANCE) as page:
        shown = await page.get("/console/reports", **{"from": FIRST.isoformat(), "to": LAST.isoformat(),
                                                     "channel": week.channel})  # fmt: skip
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert 'aria-current="page">Reports' in text
    for name in EXPECTED:
        part = section(text, name)
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in part
        assert "<table>" in part and f"/console/reports/{name}.csv?" in part
    daily = cells(section(text, "daily"))
    assert daily[:5] == ["2037-03-01", "2", "0", "150.01", "0.00"] and len(daily) == 7 * 5
    assert "75.01 EUR" in section(text, "order-value")
    processing = section(text, "processing-time")
    assert "<dd>24.00</dd>" in processing and "<dd>43.20</dd>" in processing
    assert "<dd>66.7 %</dd>" in section(text, "on-time")
    cancelled = section(text, "cancellations")
    assert "<dd>2 of 5</dd>" in cancelled and "<dd>40.0 %</dd>" in cancelled
    assert cells(cancelled) == [
        "customer changed their mind",
        "1",
        "payment declined: insufficient_funds",
        "1",
    ]
    assert "<dd>3.50</dd>" in section(text, "feedback")


async def test_each_csv_link_answers_the_apis_rows_under_the_session(app, db, week):
    keys = KeyRing(db)
    window = {"from": FIRST.isoformat(), "to": LAST.isoformat(), "channel": week.channel}
    async with console(app, keys, Role.SUPPORT) as page, api_client(app, db, keys) as api:
        shown = await page.get("/console/reports", **window)
        for name in EXPECTED:
            link = html.unescape(
                re.search(rf'href="(/console/reports/{name}\.csv\?[^"]+)"', shown.text).group(1)
            )  # type: ignore[union-attr]
            sheet = await page.client.get(link)
            assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
            assert sheet.text == (await api.get(f"/reports/{name}.csv", params=window)).text
        rows = list(csv.reader(io.StringIO((await page.client.get(link)).text)))
    assert rows == [["rating", "orders"], ["1", "0"], ["2", "1"], ["3", "0"], ["4", "0"], ["5", "1"]]


async def test_a_bad_range_is_shown_refused_and_a_csv_needs_a_session(app, db):
    async with console(app, KeyRing(db), Role.ADMIN) as page:
        refused = await page.get("/console/reports", **{"from": "2037-03-08", "to": "2037-03-07"})
        assert refused.status_code == 422
        assert "invalid_date_range" in refused.text and "The range starts after it ends" in refused.text
    async with console(app, KeyRing(db), role=None) as anonymous:
        asked = await anonymous.client.get("/console/reports/daily.csv")
        assert asked.status_code == 303 and asked.headers["location"].startswith("/console/sign-in")
