"""The benchmarks' figures, kept: each run writes one JSON file under bench/results/ (the
machine without its name, the date, the commit, the arguments, the figures), and the
README's table shows the latest of each benchmark.

    .venv/bin/python -m bench.results            # print the table of the latest figures
    .venv/bin/python -m bench.results --readme   # write it into README.md, between its markers
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
BEGIN = "<!-- bench-results:begin (python -m bench.results --readme writes this table) -->"
END = "<!-- bench-results:end -->"
Figure = float | int | str


def machine() -> dict[str, Any]:
    """What the figures depend on, and nothing that names the host."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
    }


def commit() -> str:
    """The commit the run measured, marked when tracked code differs from it (prose and
    kept results do not count: they change while runs are made)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short=10", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!*.md", ":!bench/results")
    return head + ("+changes" if changed else "")


def _rounded(value: Figure) -> Figure:
    """Four significant digits: more than any of these runs can tell apart."""
    return float(f"{value:.4g}") if isinstance(value, float) else value


# Taken when a benchmark starts (it imports this module first): commits made while it runs
# are not what it measured.
STARTED_ON = commit()


def record(
    bench: str,
    arguments: Mapping[str, Any],
    figures: Mapping[str, Figure],
    headline: Sequence[str],
    directory: Path = RESULTS,
    now: datetime | None = None,
) -> Path:
    """Write one run's results; `headline` names the figures the README shows."""
    missing = set(headline) - set(figures)
    if missing:
        raise ValueError(f"headline figures not measured: {sorted(missing)}")
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    result = {
        "bench": bench,
        "date": when.isoformat().replace("+00:00", "Z"),
        "commit": STARTED_ON,
        "machine": machine(),
        "arguments": dict(arguments),
        "figures": {name: _rounded(value) for name, value in figures.items()},
        "headline": list(headline),
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{bench}-{when:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"results written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path


def latest(directory: Path = RESULTS) -> dict[str, dict[str, Any]]:
    """The newest result of each benchmark, by benchmark name."""
    newest: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        result = json.loads(path.read_text())
        kept = newest.get(result["bench"])
        if kept is None or result["date"] > kept["date"]:
            newest[result["bench"]] = result
    return dict(sorted(newest.items()))


def _value(value: Figure) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _run(result: Mapping[str, Any]) -> str:
    m = result["machine"]
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in result["arguments"].items())
    return (
        f"{result['date'][:10]}, `{result['commit']}`, `{flags}`; "
        f"{m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB"
    )


def table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """A row per headline figure; the run (date, commit, arguments, machine) on each
    benchmark's first row."""
    rows = ["| benchmark | figure | value | run: date, commit, arguments; machine |", "|---|---|---|---|"]
    for bench, result in results.items():
        for n, name in enumerate(result["headline"]):
            first = n == 0
            rows.append(
                f"| {f'`bench/{bench}.py`' if first else ''} | {name} | {_value(result['figures'][name])} "
                f"| {_run(result) if first else ''} |"
            )
    return "\n".join(rows)


def rewrite_readme(text: str, results: Mapping[str, Mapping[str, Any]]) -> str:
    """The text with the table between its markers replaced; nothing else changes."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError("the README has no bench-results markers")
    return text[: start + len(BEGIN)] + "\n" + table(results) + "\n" + text[end:]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    results = latest()
    if args.readme:
        README.write_text(rewrite_readme(README.read_text(), results))
        print(f"README.md: the latest figures of {', '.join(results)}")
    else:
        print(table(results))


if __name__ == "__main__":
    main()
