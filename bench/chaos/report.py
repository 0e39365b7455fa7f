"""The chaos run's report: kills per process, what the channel saw, each invariant with the
orders that break it; also written as JSON into the run directory."""

from __future__ import annotations

import io
import statistics
from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bench.chaos.load import Cancel
from bench.chaos.run import ChaosResult

EXAMPLES = 6  # offending orders shown per invariant; report.json has them all


def kills_table(result: ChaosResult) -> Table:
    table = Table(title="Processes")
    for column in ("process", "kill -9", "exited on its own", "restart (median s)"):
        table.add_column(column, justify="left" if column == "process" else "right")
    for name, p in result.processes.items():
        exits = (
            f"{len(p.unplanned)} (rc {', '.join(map(str, sorted(set(p.unplanned))))})" if p.unplanned else "0"
        )
        restart = f"{statistics.median(p.restart_seconds):.1f}" if p.restart_seconds else "-"
        table.add_row(name, str(p.kills), exits, restart)
    table.add_row(
        "[bold]all[/]",
        f"[bold]{len(result.kills)}[/]",
        str(sum(len(p.unplanned) for p in result.processes.values())),
        "",
    )
    return table


def orders_table(result: ChaosResult) -> Table:
    outcomes = result.outcomes
    table = Table(title="Orders", show_header=False)
    table.add_column("what")
    table.add_column("how many", justify="right")
    answers = Counter(str(o.status_code) + (f" {o.code}" if o.code else "") for o in outcomes)
    table.add_row("placed", str(len(outcomes)))
    for answer, n in sorted(answers.items()):
        table.add_row(f"  answered {answer}", str(n))
    table.add_row("  split into two parcels", str(sum(o.planned.split for o in outcomes)))
    for token, n in sorted(Counter(o.planned.token for o in outcomes).items()):
        table.add_row(f"  paid with {token}", str(n))
    table.add_row("calls retried (transport error or 5xx)", str(result.transient_answers))
    cancels = [o for o in outcomes if o.planned.cancel is not Cancel.NONE]
    table.add_row("cancellations planned", str(len(cancels)))
    for kind in (Cancel.EARLY, Cancel.WHOLE, Cancel.PARCEL):
        group = [o for o in cancels if o.planned.cancel is kind]
        seen = Counter(
            f"{o.cancel_status_code}" + (f" {o.cancel_code}" if o.cancel_code else "")
            if o.cancel_status_code
            else f"not sent ({o.cancel_note or 'no answer'})"
            for o in group
        )
        if group:
            table.add_row(
                f"  {kind.value}: " + ", ".join(f"{k} x {v}" for k, v in sorted(seen.items())),
                str(len(group)),
            )
    for status, n in sorted(result.statuses.items()):
        table.add_row(f"stored, now {status}", str(n))
    return table


def checks_table(result: ChaosResult) -> Table:
    table = Table(title="Invariants")
    table.add_column("invariant")
    table.add_column("result")
    table.add_column("offending", justify="right")
    table.add_column("examples (subject: what)", overflow="fold")
    for check in result.checks:
        verdict = "[green]pass[/]" if check.ok else "[bold red]FAIL[/]"
        examples = "\n".join(escape(f"{o.subject}: {o.detail}") for o in check.offences[:EXAMPLES])
        if len(check.offences) > EXAMPLES:
            examples += f"\n… and {len(check.offences) - EXAMPLES} more"
        if check.note:
            examples = (examples + "\n" if examples else "") + f"[dim]{check.note}[/]"
        table.add_row(check.name, verdict, str(len({o.subject for o in check.offences})), examples)
    return table


def render(result: ChaosResult, console: Console) -> None:
    c = result.config
    t = result.timings
    console.print(
        f"[bold]Chaos run[/]: {len(result.outcomes)} orders, {c.seconds:.0f}s of kills, seed {c.seed}; "
        f"start {t.get('start', 0):.0f}s, chaos {t.get('chaos', 0):.0f}s, "
        f"drain {t.get('drain', 0):.0f}s{'' if result.drained else ' (bound reached)'}, "
        f"checks {t.get('checks', 0):.0f}s, total {t.get('total', 0):.0f}s"
    )
    console.print(kills_table(result))
    console.print(orders_table(result))
    console.print(checks_table(result))
    failed = result.violations
    if failed:
        console.print(
            f"[bold red]{len(failed)} invariant(s) violated[/]; run directory kept: {result.run_dir}"
        )
    elif result.checks:
        console.print("[bold green]every invariant holds[/]")


def render_text(result: ChaosResult, width: int = 180) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None, emoji=False)
    render(result, console)
    return console.export_text()
