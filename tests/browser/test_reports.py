"""The reports page in Chromium: a person picks a week and a channel, sees each report's
chart beside its numbers, and downloads a table as CSV. The week is the hand-built one of
tests/support/report_data.py, whose every figure is known."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.async_api import expect

from domain.access import Role
from tests.support.report_data import FIRST, LAST, ReportData, build


@pytest.fixture(scope="module")
def week(db) -> ReportData:
    return build(db)


async def test_a_week_of_reports_with_charts_and_a_csv(live, page, sign_in, week, snapshot):
    await sign_in(Role.FINANCE)
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    await page.get_by_label("Placed from").fill(FIRST.isoformat())
    await page.get_by_label("to", exact=True).fill(LAST.isoformat())
    await page.get_by_label("Channel").select_option(week.channel)
    await page.get_by_role("button", name="Show").click()

    await expect(page.get_by_role("status")).to_contain_text(f"channel {week.channel}")
    cancellations = page.get_by_role("region", name="Cancellations")
    await expect(cancellations.get_by_role("img").first).to_be_visible()  # the chart, an SVG
    await expect(cancellations).to_contain_text("2 of 5")
    await expect(
        cancellations.get_by_role("row").filter(has_text="customer changed their mind")
    ).to_contain_text("1")
    feedback = page.get_by_role("region", name="Feedback ratings")
    await expect(feedback.get_by_role("img").first).to_be_visible()
    await snapshot("reports")

    async with page.expect_download() as downloading:
        await feedback.get_by_role("link", name="Download CSV").click()
    sheet = Path(await (await downloading.value).path()).read_text()
    assert list(csv.reader(io.StringIO(sheet))) == [
        ["rating", "orders"], ["1", "0"], ["2", "1"], ["3", "0"], ["4", "0"], ["5", "1"],
    ]  # fmt: skip
