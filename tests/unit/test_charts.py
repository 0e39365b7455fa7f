"""The console's SVG charts, read back as XML: one bar per number, its height or length in
proportion, labels and titles escaped, accessible names, and sane drawings of nothing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from starter.console.charts import bar_chart, horizontal_bars

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}rect[@class='bar']")


def texts(root: ET.Element, kind: str) -> list[str]:
    return [t.text or "" for t in root.findall(f"{SVG}text[@class='{kind}']")]


def test_a_daily_series_has_a_bar_per_day_in_proportion_and_labelled():
    root = parse(bar_chart("Orders per day", ["03-01", "03-02", "03-03"], [2, 0, 4]))
    found = bars(root)
    assert [(b.get("data-label"), b.get("data-value")) for b in found] == [
        ("03-01", "2"),
        ("03-02", "0"),
        ("03-03", "4"),
    ]
    heights = [float(b.get("height", "")) for b in found]
    assert heights[1] == 0 and heights[2] == pytest.approx(2 * heights[0], abs=0.2)
    # The axis tops at the first 1, 2 or 5 times a power of ten at or above the highest bar.
    assert texts(root, "tick") == ["0", "2.5", "5"]
    assert heights[2] == pytest.approx(180 * 4 / 5, abs=0.1)
    assert texts(root, "label") == ["03-01", "03-02", "03-03"]
    assert [b.find(f"{SVG}title").text for b in found] == ["03-01: 2", "03-02: 0", "03-03: 4"]  # type: ignore[union-attr]


def test_a_chart_is_an_image_with_a_name_that_says_what_it_shows():
    root = parse(bar_chart("Revenue EUR", ["03-01", "03-02"], [Decimal("150.01"), Decimal("0.00")]))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Revenue EUR"  # type: ignore[union-attr]
    assert root.get("aria-label") == "Revenue EUR: 2 values, highest 150.01 at 03-01"
    assert texts(root, "tick") == ["0", "100", "200"]


def test_many_days_are_labelled_sparsely_but_every_day_has_its_bar():
    labels = [f"d{i}" for i in range(60)]
    root = parse(bar_chart("Orders per day", labels, list(range(60))))
    assert len(bars(root)) == 60
    assert 1 < len(texts(root, "label")) <= 14


@pytest.mark.parametrize("values", [[], [0, 0, 0]])
def test_nothing_to_show_draws_the_axes_and_says_so(values):
    labels = [f"d{i}" for i in range(len(values))]
    for chart in (bar_chart, horizontal_bars):
        root = parse(chart("Empty", labels, values))
        assert all(float(b.get("height" if chart is bar_chart else "width", "")) == 0 for b in bars(root))
        assert len(bars(root)) == len(values)
        assert texts(root, "empty") == ["No data in this range" if not values else "All zero in this range"]
        assert root.get("aria-label") == f"Empty: {'no data' if not values else 'all zero'}"


def test_reasons_are_horizontal_bars_with_their_values_and_escaped_names():
    reasons = ["payment declined: <script>", "customer & cat"]
    svg = horizontal_bars("Cancellations", reasons, [3, 1])
    assert "<script>" not in svg
    root = parse(svg)
    found = bars(root)
    assert [b.get("data-label") for b in found] == reasons
    widths = [float(b.get("width", "")) for b in found]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2)
    assert texts(root, "label") == reasons
    assert texts(root, "value") == ["3", "1"]


def test_a_long_name_is_shortened_on_the_chart_and_whole_in_its_tooltip():
    name = "the customer wrote a very long reason for cancelling the order"
    root = parse(horizontal_bars("Cancellations", [name], [1]))
    assert texts(root, "label")[0].endswith("…") and len(texts(root, "label")[0]) == 34
    assert bars(root)[0].find(f"{SVG}title").text == f"{name}: 1"  # type: ignore[union-attr]
