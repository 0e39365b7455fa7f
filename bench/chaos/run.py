"""One chaos run from start to finish: the stack up, orders and kills at once, a bounded
wait until every order has ended, the checks, the stack down."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

import psycopg
from pydantic import TypeAdapter
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from temporalio.client import Client

from bench.chaos import invariants, workflow_checks
from bench.chaos.invariants import Check
from bench.chaos.kills import Kill, KillPlan, run_kills
from bench.chaos.load import Channel, Mix, Outcome, add_stock, drive, plan_orders
from bench.chaos.stack import Ports, Stack
from db.engine import Database
from db.migrate import upgrade
from db.seed import seed_demo_catalog
from runtime.payload_codec import data_converter
from settings import Settings
from starter.dev.codec_keys import kept_keys

# Windows short enough that an order goes from POST to completed in about half a minute.
SETTINGS = {
    "ORDINO_TASK_QUEUE": "chaos",
    "ORDINO_RETURN_WINDOW": "PT5S",
    "ORDINO_FEEDBACK_DELAY": "PT1S",
    "ORDINO_CARRIER_STEP_DELAY": "PT1.5S",
    "ORDINO_PACK_DELAY": "PT1S",
    # The carrier and the warehouse look for work this often: tracking events come on time.
    "ORDINO_CARRIER_POLL_INTERVAL": "PT0.05S",
    # Where the workflow looks for packed parcels whose confirmation was lost with a workflow
    # task (main's fix for that race): soon enough to matter within the run's drain.
    "ORDINO_PACK_RECHECK_INTERVAL": "PT5S",
    "ORDINO_LOG_LEVEL": "WARNING",
    "ORDINO_LOG_FORMAT": "json",
}


@dataclass
class ChaosConfig:
    orders: int = 200
    seconds: float = 300  # of kills; orders arrive during the first 80% of it
    seed: int = 1
    kills: KillPlan = field(default_factory=KillPlan)
    mix: Mix = field(default_factory=Mix)
    drain_seconds: float = 240  # the bound on waiting for every order to end
    run_dir: Path | None = None
    keep: bool = False  # keep the run directory even when every check passed
    progress: bool = True
    settings: dict[str, str] = field(default_factory=lambda: dict(SETTINGS))


@dataclass
class ProcessStats:
    kills: int
    unplanned: list[int]
    restart_seconds: list[float]


@dataclass
class ChaosResult:
    config: ChaosConfig
    run_dir: Path
    kills: list[Kill] = field(default_factory=list)
    processes: dict[str, ProcessStats] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    transient_answers: int = 0
    drained: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def prepare_database(url: str) -> None:
    upgrade(url)
    db = Database(url, pool_size=1)
    try:
        seed_demo_catalog(db)
    finally:
        db.dispose()
    add_stock(url)


async def carrier_next_event(url: str, tracking_number: str) -> float | None:
    """When the sandbox carrier will next report on a parcel, from its own schedule."""
    async with await psycopg.AsyncConnection.connect(url, connect_timeout=2) as conn:
        cursor = await conn.execute(
            "SELECT next_event_at FROM sandbox_carrier_parcels WHERE tracking_number = %s", [tracking_number]
        )
        row = await cursor.fetchone()
    return row[0].timestamp() if row and row[0] else None


def _count(url: str, sql: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            row = conn.execute(sql).fetchone()
            return int(row[0]) if row else 0
    except psycopg.OperationalError:
        return -1


async def drain(
    stack: Stack,
    client: Client,
    deadline: float,
    on_terminal: Callable[[int], None],
    load: asyncio.Task[list[Outcome]],
) -> bool:
    """Until the channel is done, no order is open in PostgreSQL, no workflow runs and no mail
    waits; or the deadline."""
    url = stack.database_url
    while time.monotonic() < deadline:
        done = await asyncio.to_thread(
            _count, url, "SELECT count(*) FROM orders WHERE status IN ('completed', 'cancelled', 'rejected')"
        )
        open_orders = await asyncio.to_thread(
            _count,
            url,
            "SELECT count(*) FROM orders WHERE status NOT IN ('completed', 'cancelled', 'rejected')",
        )
        unsent = await asyncio.to_thread(
            _count, url, "SELECT count(*) FROM customer_notifications WHERE sent_at IS NULL"
        )
        on_terminal(max(done, 0))
        if load.done() and open_orders == 0 and unsent == 0:
            with contextlib.suppress(Exception):
                if (await client.count_workflows("ExecutionStatus = 'Running'")).count == 0:
                    return True
        await asyncio.sleep(2)
    return False


@contextlib.contextmanager
def _progress(enabled: bool, log: Path) -> Iterator[tuple[Progress | None, Callable[[str], None]]]:
    lines = log.open("a")

    def note(line: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        lines.write(f"{stamp} {Console().render_str(line).plain}\n")
        lines.flush()
        if progress is not None:
            progress.console.print(f"[dim]{stamp}[/] {line}")

    progress = (
        Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        if enabled
        else None
    )
    try:
        if progress is not None:
            with progress:
                yield progress, note
        else:
            yield None, note
    finally:
        lines.close()


async def run_chaos(config: ChaosConfig) -> ChaosResult:
    run_dir = config.run_dir or Path(tempfile.mkdtemp(prefix=f"ordino-chaos-{config.seed}-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    result = ChaosResult(config, run_dir)
    with _progress(config.progress, run_dir / "chaos.log") as (progress, note):

        def remember(line: str) -> None:
            result.notes.append(line)
            note(line)

        stack = Stack(run_dir, Ports.pick(), config.settings, remember)
        stop_supervisor = asyncio.Event()
        supervisor: asyncio.Task[None] | None = None
        began = time.monotonic()
        try:
            await stack.start(prepare_database)
            result.timings["start"] = time.monotonic() - began
            supervisor = asyncio.create_task(stack.supervise(stop_supervisor))
            client = await Client.connect(
                stack.temporal_address, data_converter=data_converter(Settings(**kept_keys(run_dir)))
            )

            plans = plan_orders(random.Random(f"{config.seed}-orders"), config.orders, config.seconds * 0.8,
                                str(config.seed), config.mix)  # fmt: skip
            t0 = time.monotonic()
            chaos_until = t0 + config.seconds
            deadline = chaos_until + config.drain_seconds
            step = TypeAdapter(timedelta).validate_python(config.settings["ORDINO_CARRIER_STEP_DELAY"])
            channel = Channel(
                stack.api_url,
                deadline,
                step.total_seconds(),
                partial(carrier_next_event, stack.database_url),
                headers=stack.keys.header("channel"),
            )
            answered = progress.add_task("orders answered", total=len(plans)) if progress else None
            clock = progress.add_task("chaos (s)", total=int(config.seconds)) if progress else None

            def on_answer(_: Outcome) -> None:
                if progress is not None and answered is not None:
                    progress.advance(answered)

            async def tick() -> None:
                while progress is not None and clock is not None:
                    progress.update(clock, completed=min(int(time.monotonic() - t0), int(config.seconds)))
                    await asyncio.sleep(0.5)

            ticker = asyncio.create_task(tick())
            load = asyncio.create_task(drive(channel, plans, on_answer))
            result.kills = await run_kills(
                stack, random.Random(f"{config.seed}-kills"), config.kills, chaos_until, remember
            )
            await asyncio.sleep(max(0.0, chaos_until - time.monotonic()))
            result.timings["chaos"] = time.monotonic() - t0
            remember("chaos over; waiting for every order to end")
            if not await stack.all_up(60):
                remember("[red]some process is still down a minute after the chaos[/]")
            ticker.cancel()
            drained_at = time.monotonic()
            ended = progress.add_task("orders ended", total=len(plans)) if progress else None

            def on_terminal(n: int) -> None:
                if progress is not None and ended is not None:
                    progress.update(ended, completed=n)

            # Cancellations may still wait for parcels to travel: drain while they do.
            result.drained = await drain(stack, client, deadline, on_terminal, load)
            result.outcomes = await load
            await channel.close()
            result.transient_answers = channel.transient
            result.timings["drain"] = time.monotonic() - drained_at
            if not result.drained:
                remember(f"[red]orders still open after the drain bound ({config.drain_seconds:.0f}s)[/]")

            checked_at = time.monotonic()
            result.checks = await asyncio.to_thread(
                invariants.database_checks, stack.database_url, result.outcomes, stack.mailbox
            )
            result.checks.insert(
                1,
                await workflow_checks.workflows_closed(
                    client, stack.database_url, result.outcomes, stack.logs / "worker.log"
                ),
            )
            result.statuses = Counter(dict(await asyncio.to_thread(_statuses, stack.database_url)))
            result.timings["checks"] = time.monotonic() - checked_at
        finally:
            stop_supervisor.set()
            if supervisor is not None:
                await supervisor
            result.processes = {
                name: ProcessStats(s.kills, list(s.unplanned), list(s.restart_seconds))
                for name, s in stack.services.items()
            }
            await stack.stop()
            result.timings["total"] = time.monotonic() - began
    write_json(result)
    if result.checks and not result.violations and not config.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def write_json(result: ChaosResult) -> None:
    """Everything, every offence included, next to the logs in the run directory."""
    data = {
        "seed": result.config.seed,
        "timings": result.timings,
        "kills": [asdict(k) for k in result.kills],
        "processes": {k: asdict(v) for k, v in result.processes.items()},
        "statuses": dict(result.statuses),
        "checks": [
            {"name": c.name, "rule": c.rule, "ok": c.ok, "note": c.note,
             "offences": [asdict(o) for o in c.offences]}
            for c in result.checks
        ],
        "orders": [
            {"order_id": o.order_id, "token": o.planned.token, "split": o.planned.split,
             "cancel": o.planned.cancel.value, "status_code": o.status_code, "code": o.code,
             "attempts": o.attempts, "trail": o.trail, "cancel_status_code": o.cancel_status_code,
             "cancel_code": o.cancel_code, "cancel_note": o.cancel_note}
            for o in result.outcomes
        ],
    }  # fmt: skip
    (result.run_dir / "report.json").write_text(json.dumps(data, indent=2, default=str))


def _statuses(url: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as conn:
        return [
            (s, n) for s, n in conn.execute("SELECT status, count(*) FROM orders GROUP BY status").fetchall()
        ]
