"""Charts as SVG drawn on the server, for the console's reports: vertical bars for a series
(orders per day, a distribution per day bucket) and horizontal bars for counts by name
(reasons, ratings). Pure functions of the numbers: no script, no build step, and a page
that prints. Every chart is an image to assistive technology (`role="img"`, a `<title>`
and an aria-label that says what it shows), every bar carries its label and value (its
own `<title>`, a tooltip), and all text is escaped. An empty or all-zero series draws its
axes and says so."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

Number = int | Decimal

WIDTH = 640
BAR_HEIGHT = 22  # a horizontal bar's row
PLOT_HEIGHT = 180
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40  # margins of the vertical chart
LABEL_WIDTH = 220  # the names column of the horizontal chart
# A label under every bar up to this many; beyond, every n-th, so they never overlap.
MAX_X_LABELS = 14
LABEL_CHARS = 34


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above value (the axis's top)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(float(step * power) for step in (1, 2, 5, 10) if step * power >= value)


def _number(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:.3g}"


def _svg(title: str, summary: str, width: int, height: int, body: list[str]) -> str:
    label = escape(f"{title}: {summary}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{label}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _summary(labels: Sequence[str], values: Sequence[Number], unit: str) -> str:
    if not values:
        return "no data"
    if not any(values):
        return "all zero"
    top = max(range(len(values)), key=lambda i: values[i])
    return f"{len(values)} values, highest {values[top]}{unit} at {labels[top]}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(title: str, labels: Sequence[str], values: Sequence[Number], unit: str = "") -> str:
    """Vertical bars, one per label (a day, a bucket), on an axis from 0 to a round top."""
    height = TOP + PLOT_HEIGHT + BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    base = TOP + PLOT_HEIGHT
    top = _nice_ceiling(float(max(values, default=0)))
    line = '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"/>'
    body = [line.format(LEFT, base, WIDTH - RIGHT, base), line.format(LEFT, TOP, LEFT, base)]
    for tick in (0.0, top / 2, top):
        y = base - tick / top * PLOT_HEIGHT
        body.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_number(tick)}</text>"
        )
    if not values or not any(values):
        body.append(_note(LEFT + plot_width / 2, TOP + PLOT_HEIGHT / 2, values))
    slot = plot_width / max(len(values), 1)
    every = math.ceil(len(values) / MAX_X_LABELS) if values else 1
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = float(value) / top * PLOT_HEIGHT
        x = LEFT + i * slot + slot * 0.1
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.8:.1f}" height="{h:.1f}" '
            f'data-label="{escape(label)}" data-value="{value}">'
            f"<title>{escape(f'{label}: {value}{unit}')}</title></rect>"
        )
        if i % every == 0:
            body.append(
                f'<text class="label" x="{x + slot * 0.4:.1f}" y="{base + 16}" text-anchor="middle" '
                f'font-size="11">{escape(_short(label))}</text>'
            )
    return _svg(title, _summary(labels, values, unit), WIDTH, height, body)


def horizontal_bars(title: str, labels: Sequence[str], values: Sequence[Number], unit: str = "") -> str:
    """One bar per name (a reason, a rating), longest for the largest, its value at its end."""
    height = TOP + max(len(values), 1) * BAR_HEIGHT + TOP
    plot_width = WIDTH - LABEL_WIDTH - RIGHT - 40  # room for the value after the bar
    top = float(max(values, default=0)) or 1.0
    body = [
        f'<line class="axis" x1="{LABEL_WIDTH}" y1="{TOP}" x2="{LABEL_WIDTH}" y2="{height - TOP}" '
        f'stroke="currentColor"/>'
    ]
    if not values or not any(values):
        body.append(_note(LABEL_WIDTH + plot_width / 2, TOP + BAR_HEIGHT * 0.7, values))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * BAR_HEIGHT
        w = float(value) / top * plot_width
        body.append(
            f'<text class="label" x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(_short(label))}</text>"
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" height="{BAR_HEIGHT - 6}" '
            f'data-label="{escape(label)}" data-value="{value}">'
            f"<title>{escape(f'{label}: {value}{unit}')}</title></rect>"
            f'<text class="value" x="{LABEL_WIDTH + w + 4:.1f}" y="{y + 15}" font-size="12">'
            f"{escape(f'{value}{unit}')}</text>"
        )
    return _svg(title, _summary(labels, values, unit), WIDTH, height, body)


def _note(x: float, y: float, values: Sequence[Number]) -> str:
    text = "No data in this range" if not values else "All zero in this range"
    return f'<text class="empty" x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="13">{text}</text>'
