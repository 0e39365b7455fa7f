"""python -m bench.chaos: run the chaos command and exit non-zero on any violated invariant."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from rich.console import Console

from bench.chaos import __doc__ as DOC
from bench.chaos.kills import TARGETS, KillPlan
from bench.chaos.report import render
from bench.chaos.run import ChaosConfig, run_chaos

MIN_KILLS = 10


def parse(argv: list[str] | None = None) -> ChaosConfig:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaos", description=DOC, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=5, help="how long processes are killed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drain-minutes", type=float, default=4, help="bound on waiting for orders to end")
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"processes to kill, comma-separated (default {','.join(TARGETS)})",
    )
    parser.add_argument("--gap", type=float, nargs=2, default=(6.0, 20.0), metavar=("MIN", "MAX"),
                        help="seconds between a restart and the next kill")  # fmt: skip
    parser.add_argument("--down", type=float, nargs=2, default=(0.5, 5.0), metavar=("MIN", "MAX"),
                        help="seconds a killed process stays down")  # fmt: skip
    parser.add_argument("--run-dir", type=Path, help="where data and logs go (default: a new /tmp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the run directory when everything passed")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    return ChaosConfig(
        orders=args.orders,
        seconds=args.minutes * 60,
        seed=args.seed,
        kills=KillPlan(targets=tuple(args.targets.split(",")), gap=tuple(args.gap), down=tuple(args.down)),
        drain_seconds=args.drain_minutes * 60,
        run_dir=args.run_dir,
        keep=args.keep,
        progress=not args.no_progress,
    )


def main(argv: list[str] | None = None) -> int:
    config = parse(argv)
    # Piped into a file, a report wider than 80 columns stays readable.
    console = Console(emoji=False, width=None if sys.stdout.isatty() else 200)
    result = asyncio.run(run_chaos(config))
    render(result, console)
    if len(result.kills) < MIN_KILLS:
        console.print(f"[yellow]only {len(result.kills)} kills (fewer than {MIN_KILLS}): run longer[/]")
    return 1 if result.violations or not result.checks else 0


if __name__ == "__main__":
    sys.exit(main())
