"""`ordino migrate | seed`: bring the database's schema up to date, and load reference data
and the demo catalog."""

from __future__ import annotations

from typing import Annotated

import typer

from starter.cli.support import console, db_url, load_settings


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


def seed(demo: Annotated[bool, typer.Option(help="Also load the demo catalog and stock.")] = False) -> None:
    """Load reference data (tax rates, warehouses), and the demo catalog with --demo."""
    from db.engine import Database
    from db.seed import seed_demo_catalog, seed_reference_data

    db = Database(db_url(load_settings()), pool_size=1)
    (seed_demo_catalog if demo else seed_reference_data)(db)
    db.dispose()
    console.print("[green]seeded[/]")
