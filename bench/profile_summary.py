"""Where a profiled Ordino process spends its time: reads py-spy's raw output (collapsed
stacks, `py-spy record --gil -f raw`) and prints the share of samples by kind of work, by
activity, by library and by project function. The recipe is in docs/performance.md.

    .venv/bin/python -m bench.profile_summary worker.prof
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

PROJECT = ("activities/", "db/", "workflows/", "domain/", "contracts/", "providers/", "runtime/",
           "starter/", "worker.py", "settings.py", "logs.py")  # fmt: skip
# The innermost library a sample is in, by a part of its file's path (first match wins).
LIBRARIES = (("fontTools", "fontTools (PDF fonts)"), ("fpdf", "fpdf (PDF)"), ("sqlalchemy", "SQLAlchemy"),
             ("psycopg", "psycopg"), ("pydantic", "pydantic"), ("cryptography", "cryptography"),
             ("jinja2", "jinja2"), ("structlog", "structlog"), ("smtplib", "smtplib"), ("httpx", "httpx"),
             ("temporalio", "temporalio"))  # fmt: skip
FILE = re.compile(r"\(([^:]*):\d+\)")
ACTIVITY = re.compile(r"^\w+Activities\.\w+ ")


@dataclass
class Profile:
    samples: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    activities: Counter[str] = field(default_factory=Counter)
    libraries: Counter[str] = field(default_factory=Counter)
    functions: Counter[str] = field(default_factory=Counter)

    def add(self, frames: list[str], n: int) -> None:
        files = [m.group(1) if (m := FILE.search(f)) else "" for f in frames]
        self.samples += n
        self.kinds[_kind(frames, files)] += n
        activity = next((f.split(" ")[0] for f in frames if ACTIVITY.match(f)), None)
        if activity:
            self.activities[activity] += n
        library = next(
            (label for key, label in LIBRARIES if any(key in f for f in files)), "stdlib or project"
        )
        self.libraries[library] += n
        for name in {
            f.split(" (")[0] for f, path in zip(frames, files, strict=True) if path.startswith(PROJECT)
        }:
            self.functions[name] += n


def _kind(frames: list[str], files: list[str]) -> str:
    if any("_execute_sync_activity" in f for f in frames):
        return "activities (their threads)"
    if any("workflow_sandbox" in f or "_workflow_instance" in f for f in files):
        return "workflow code (the sandbox)"
    if any("converter" in f for f in files):
        return "payload conversion"
    return "event loop, SDK bridge, other"


def read(lines: Iterable[str]) -> Profile:
    profile = Profile()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            profile.add(stack.split(";"), int(count))
    return profile


def report(profile: Profile, top: int) -> str:
    out = [f"{profile.samples} samples"]
    sections = (
        ("kind of work", profile.kinds),
        ("activity", profile.activities),
        ("library (innermost)", profile.libraries),
        ("project function", profile.functions),
    )
    for title, counter in sections:
        out.append(f"\nby {title}:")
        out += [f"  {100 * n / profile.samples:5.1f}%  {name}" for name, n in counter.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", help="py-spy record -f raw output")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    with open(args.profile) as lines:
        print(report(read(lines), args.top))


if __name__ == "__main__":
    main()
