"""`ordino migrate | seed`: bring the database's schema up to date, and load reference data,
the demo catalog and the demo history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from starter.cli.support import console, db_url, load_settings

if TYPE_CHECKING:
    from db.engine import Database
    from settings import Settings


def migrate() -> None:
    """Bring the database schema up to date and load reference data (tax rates, warehouses)."""
    from db.engine import Database
    from db.migrate import upgrade
    from db.seed import seed_reference_data

    url = db_url(load_settings())
    upgrade(url)
    db = Database(url, pool_size=1)
    seed_reference_data(db)
    db.dispose()
    console.print("[green]database is up to date[/]")


def seed(
    demo: Annotated[bool, typer.Option(help="Also load the demo catalog and stock.")] = False,
    history: Annotated[
        bool,
        typer.Option(
            help="Also write four weeks of closed demo orders (implies --demo): once, into a database "
            "without orders of its own."
        ),
    ] = False,
) -> None:
    """Load reference data (tax rates, warehouses), the demo catalog with --demo, and the demo
    history of orders with --history."""
    from db.engine import Database
    from db.seed import seed_demo_catalog, seed_reference_data

    settings = load_settings()
    db = Database(db_url(settings), pool_size=1)
    try:
        (seed_demo_catalog if demo or history else seed_reference_data)(db)
        if history:
            _seed_history(db, settings)
    finally:
        db.dispose()
    console.print("[green]seeded[/]")


def _seed_history(db: Database, settings: Settings) -> None:
    from logs import configure_logging
    from starter.dev.history import HistoryRefused, seed_history

    # The history runs the activities some thousand times: their lines would bury the answer.
    configure_logging(settings.log_format, "WARNING", "seed")
    try:
        with console.status("Writing the demo history (about half a minute)…"):
            written = seed_history(db, settings)
    except HistoryRefused as err:
        console.print(f"[red]no demo history:[/] {err}")
        raise typer.Exit(1) from None
    console.print(f"demo history: {written} orders written" if written else "demo history: there already")
