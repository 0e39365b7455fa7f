"""`ordino dev | worker | api | carrier | warehouse | mailsink | chaos`: run the whole stack,
one of its processes, or the chaos run that kills them."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from starter.cli.support import console, db_url, load_settings, require_secrets
from starter.dev.pace import Pace


def dev(
    pace: Annotated[
        Pace,
        typer.Option(help="hand: time to follow the README by hand; demo: an order in two minutes."),
    ] = Pace.HAND,
) -> None:
    """Run everything locally: PostgreSQL, Temporal (Web UI on :8233), worker, API and carrier.

    An ORDINO_* variable in the environment (say ORDINO_PACK_DELAY=PT30S) beats the pace."""
    from starter.dev.stack import run_dev_stack

    run_dev_stack(load_settings("dev"), pace)


def worker() -> None:
    """Run a worker for order workflows and their activities."""
    from worker import run_worker

    settings = load_settings("worker")
    settings.refuse_dev_secrets()
    asyncio.run(run_worker(settings, db_url(settings)))


def api() -> None:
    """Serve the HTTP API."""
    import uvicorn

    from starter.http.app import create_app

    settings = load_settings("api")
    settings.refuse_dev_secrets()
    require_secrets(settings, pseudonyms=True)  # placing orders needs both
    application = create_app(settings, database_url=db_url(settings))
    uvicorn.run(
        application,
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        # Ordino writes the access log (starter/http/access_log.py), and uvicorn's own lines go
        # through the root logger as Ordino's do, with the process name.
        access_log=False,
        log_config=None,
    )


def carrier() -> None:
    """Run the sandbox carrier that moves booked parcels and calls the webhook."""
    from providers.sandbox.carrier_journeys import run_carrier

    settings = load_settings("carrier")
    asyncio.run(run_carrier(settings, db_url(settings)))


def warehouse() -> None:
    """Run the sandbox warehouse that packs picked orders after ORDINO_PACK_DELAY."""
    from providers.sandbox.warehouse import run_warehouse

    settings = load_settings("warehouse")
    asyncio.run(run_warehouse(settings, db_url(settings)))


def mailsink() -> None:
    """Run a local SMTP server that keeps every mail it receives (in .data/mailbox)."""
    import logging

    from providers.sandbox.smtp_sink import serve_until_interrupted, start_sink

    settings = load_settings("mailsink")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # not every connection, please
    directory = settings.data_dir / settings.mailbox_dir
    controller, _ = start_sink(settings.smtp_host, settings.smtp_port, directory)
    console.print(f"SMTP sink on {settings.smtp_host}:{settings.smtp_port}, keeping mail in {directory}")
    serve_until_interrupted(controller)


def chaos(
    orders: Annotated[int, typer.Option(help="Orders placed during the run.")] = 200,
    minutes: Annotated[float, typer.Option(help="How long processes are killed.")] = 5,
    seed: Annotated[int, typer.Option(help="Seeds the orders and the kills.")] = 1,
    keep: Annotated[bool, typer.Option(help="Keep the run directory even when all checks pass.")] = False,
) -> None:
    """Kill -9 the stack's processes at random under load, then check the books (bench/chaos)."""
    import subprocess
    import sys
    from pathlib import Path

    # bench/ is not installed with the package: run it from the checkout this file belongs to.
    argv = ["--orders", str(orders), "--minutes", str(minutes), "--seed", str(seed)] + (
        ["--keep"] if keep else []
    )
    root = Path(__file__).resolve().parents[2]
    raise typer.Exit(subprocess.call([sys.executable, "-m", "bench.chaos", *argv], cwd=root))
