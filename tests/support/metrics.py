"""Reading a Prometheus endpoint: samples by the names and labels it serves (the client
library's parser would rename counters to *_total; Prometheus keeps them as served)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

SAMPLE = re.compile(r"^(?P<name>[A-Za-z_:][\w:]*)(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def parse(text: str) -> list[Sample]:
    samples = []
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            labels = dict(LABEL.findall(match["labels"] or ""))
            samples.append(Sample(match["name"], labels, float(match["value"])))
    return samples


async def scrape(url: str) -> list[Sample]:
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.get(url)
    response.raise_for_status()
    return parse(response.text)


def total(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include these."""
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())
