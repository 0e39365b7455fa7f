"""The benchmarks' results: one JSON file a run, naming the machine but not the host, and
the README's table rewritten from the newest run of each benchmark, between its markers."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest

from bench.results import BEGIN, END, latest, record, rewrite_readme

WHEN = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)


def test_a_run_is_kept_with_its_machine_commit_arguments_and_figures(tmp_path):
    path = record("open_orders", {"orders": 300, "cache": 100}, {"drain seconds": 81.5, "orders": 348},
                  ["drain seconds"], directory=tmp_path, now=WHEN)  # fmt: skip

    assert path.name == "open_orders-20261202T093015Z.json"
    result = json.loads(path.read_text())
    assert result["bench"] == "open_orders"
    assert result["date"] == "2026-12-02T09:30:15Z"
    assert result["arguments"] == {"orders": 300, "cache": 100}
    assert result["figures"] == {"drain seconds": 81.5, "orders": 348}
    assert result["headline"] == ["drain seconds"]
    assert len(result["commit"].split("+")[0]) == 10
    machine = result["machine"]
    assert machine["cores"] >= 1 and machine["ram_gib"] > 0 and machine["cpu"]
    assert socket.gethostname() not in path.read_text()


def test_a_headline_names_a_measured_figure(tmp_path):
    with pytest.raises(ValueError, match="not measured"):
        record("pdf_render", {}, {"label ms": 20.0}, ["invoice ms"], directory=tmp_path, now=WHEN)


def test_the_newest_run_of_each_benchmark_counts(tmp_path):
    for day, rate in ((1, 3.0), (3, 4.5), (2, 9.9)):
        record("orders_per_second", {"orders": 300}, {"orders per second": rate}, ["orders per second"],
               directory=tmp_path, now=WHEN.replace(day=day))  # fmt: skip
    record("pdf_render", {"documents": 40}, {"label ms": 21.3}, ["label ms"], directory=tmp_path, now=WHEN)

    newest = latest(tmp_path)

    assert list(newest) == ["orders_per_second", "pdf_render"]
    assert newest["orders_per_second"]["figures"]["orders per second"] == 4.5


def test_the_readme_table_is_rewritten_between_its_markers_only(tmp_path):
    record("pdf_render", {"documents": 40}, {"label ms": 21.3, "first ms": 1234.0}, ["label ms", "first ms"],
           directory=tmp_path, now=WHEN)  # fmt: skip
    readme = f"# Ordino\n\nBefore.\n\n{BEGIN}\nan old table\n{END}\n\nAfter.\n"

    rewritten = rewrite_readme(readme, latest(tmp_path))

    assert rewritten.startswith("# Ordino\n\nBefore.\n\n" + BEGIN + "\n")
    assert rewritten.endswith(END + "\n\nAfter.\n")
    assert "an old table" not in rewritten
    table = rewritten.split(BEGIN)[1].split(END)[0]
    assert "| `bench/pdf_render.py` | label ms | 21.3 | 2026-12-02, `" in table
    assert "`--documents 40`" in table
    assert "| first ms | 1,234 |" in table
    assert rewrite_readme(rewritten, latest(tmp_path)) == rewritten


def test_a_readme_without_markers_is_refused():
    with pytest.raises(ValueError, match="markers"):
        rewrite_readme("# Ordino\n", {})
