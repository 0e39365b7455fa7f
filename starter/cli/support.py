"""What every `ordino` command needs: settings, logging, the database, money and dates,
and turning business errors into a coded message and an exit status."""

from __future__ import annotations

import getpass
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from temporalio.client import Client

from db.engine import Database
from domain.errors import OrdinoError
from domain.money import quantum
from logs import configure_logging
from providers.backoff import outage_of, summary
from settings import MissingSecret, Settings, get_settings

console = Console()
T = TypeVar("T")


def load_settings(process: str = "cli") -> Settings:
    """The settings, with logging set up for this process (its name is on every line)."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level, process)
    return settings


def require_secrets(settings: Settings, pseudonyms: bool = False) -> None:
    """Stop in one line, at start-up, without the codec keys (and the pseudonym key)."""
    from runtime.payload_codec import keyring

    try:
        keyring(settings)
        if pseudonyms:
            settings.pseudonym_key()
    except MissingSecret as err:
        raise SystemExit(str(err)) from None


def db_url(settings: Settings) -> str:
    from runtime.database import database_url

    return database_url(settings)


@contextmanager
def database() -> Iterator[Database]:
    db = Database(db_url(load_settings()), pool_size=1)
    try:
        yield db
    finally:
        db.dispose()


# A moment from the command line: a date or a time, read as UTC unless it says otherwise.
When = Annotated[datetime | None, typer.Option(help="ISO date or time, UTC; default now.")]


def utc(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def period(valid_from: datetime | None, valid_to: datetime | None) -> str:
    """A validity period for a table: `2026-01-01 → 2026-06-30`, `from now`."""
    start = f"{valid_from:%Y-%m-%d}" if valid_from else "now"
    return f"{start} → {valid_to:%Y-%m-%d}" if valid_to else f"from {start}"


def money(amount: Decimal, currency: str) -> str:
    """An amount at its currency's minor unit: 12.90 EUR, 800 JPY, 1.250 KWD."""
    return f"{amount.quantize(quantum(currency))} {currency}"


@contextmanager
def reported_errors() -> Iterator[None]:
    """Business errors print their code and exit 1, as does a database or Temporal that is
    down (one line, no traceback); invalid input exits 2."""
    try:
        yield
    except OrdinoError as err:
        console.print(f"[red]{err.code.value}:[/] {err.message}")
        raise typer.Exit(1) from None
    except MissingSecret as err:
        console.print(f"[red]not configured:[/] {escape(str(err))}")
        raise typer.Exit(1) from None
    except ValidationError as err:
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"])
            console.print(f"[red]invalid_body:[/] {where}: {e['msg']}")
        raise typer.Exit(2) from None
    except Exception as err:
        dependency = outage_of(err)
        if dependency is None:
            raise
        console.print(f"[red]{dependency} unavailable:[/] {summary(err)}")
        raise typer.Exit(1) from None


def with_temporal(call: Callable[[Client, Database], Awaitable[T]]) -> T:
    """Run a command that talks to the workflows, reporting business errors as coded."""
    import asyncio

    from runtime.temporal_client import connect

    async def go() -> T:
        client = await connect(load_settings())
        with database() as db:
            return await call(client, db)

    with reported_errors():
        return asyncio.run(go())


def actor() -> str:
    """Who the audit trail names for this command: the key in ORDINO_API_KEY if one is given
    (its name and role), else the operating-system user."""
    key = os.environ.get("ORDINO_API_KEY")
    if not key:
        return f"{getpass.getuser()} (cli)"
    from db import api_keys

    with database() as db:
        principal = api_keys.principal(db, key)
    if principal is None:
        console.print("[red]unauthenticated:[/] ORDINO_API_KEY is unknown or revoked")
        raise typer.Exit(1)
    return principal.actor
