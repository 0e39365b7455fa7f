"""Which days a report covers: the defaults (the last week), and the periods refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import ErrorCode, OrdinoError
from domain.reports import ReportPeriod, rate


@pytest.mark.parametrize(
    ("first", "last", "why"),
    [
        (date(2037, 3, 8), date(2037, 3, 7), "starts after it ends"),
        (date(2036, 3, 1), date(2037, 3, 2), "at most 366 days"),
        (date(1999, 12, 31), date(2000, 1, 1), "between"),
    ],
)
def test_a_backwards_too_long_or_out_of_range_period_is_refused(first, last, why):
    with pytest.raises(OrdinoError) as refused:
        ReportPeriod.of(first, last, None, today=date(2037, 3, 7))
    assert refused.value.code is ErrorCode.INVALID_DATE_RANGE and why in refused.value.message


def test_by_default_a_report_covers_the_last_seven_days_today_included():
    today = date(2037, 3, 7)
    assert ReportPeriod.of(None, None, "", today) == ReportPeriod(first_day=date(2037, 3, 1), last_day=today)
    assert ReportPeriod.of(None, date(2037, 3, 1), None, today).first_day == date(2037, 2, 23)
    assert ReportPeriod.of(date(2037, 3, 6), None, None, today).last_day == today
    # 366 days is the longest.
    assert ReportPeriod.of(date(2036, 3, 7), today, None, today).first_day == date(2036, 3, 7)


def test_a_rate_is_a_fraction_to_four_places_and_none_of_nothing():
    assert rate(2, 3) == Decimal("0.6667")
    assert rate(0, 0) is None
