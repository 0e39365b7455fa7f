"""The `ordino` command: run the stack or its parts, and look at orders."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from logs import configure_logging
from settings import Settings, get_settings

app = typer.Typer(
    help="Ordino: order management where every order is a durable workflow.", no_args_is_help=True
)
orders_app = typer.Typer(help="Look at orders (read from PostgreSQL).", no_args_is_help=True)
app.add_typer(orders_app, name="orders")
console = Console()


def _settings() -> Settings:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    return settings


def _db_url(settings: Settings) -> str:
    from starter.runtime import database_url

    return database_url(settings)


@app.command()
def dev() -> None:
    """Run everything locally: PostgreSQL, Temporal (Web UI on :8233), worker, API and carrier."""
    from starter.dev_stack import run_dev_stack

    run_dev_stack(_settings())


@app.command()
def worker() -> None:
    """Run a worker for order workflows and their activities."""
    from worker import run_worker

    settings = _settings()
    asyncio.run(run_worker(settings, _db_url(settings)))


@app.command()
def api() -> None:
    """Serve the HTTP API."""
    import uvicorn

    from starter.api import create_app

    settings = _settings()
    application = create_app(settings, database_url=_db_url(settings))
    uvicorn.run(
        application,
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


@app.command()
def carrier() -> None:
    """Run the sandbox carrier that moves booked parcels and calls the webhook."""
    from starter.carrier_sim import run_carrier

    settings = _settings()
    asyncio.run(run_carrier(settings, _db_url(settings)))


@app.command()
def migrate() -> None:
    """Bring the database schema up to date and load reference data (tax rates, warehouses)."""
    from db.engine import Database
    from db.migrate import upgrade
    from db.seed import seed_reference_data

    url = _db_url(_settings())
    upgrade(url)
    db = Database(url, pool_size=1)
    seed_reference_data(db)
    db.dispose()
    console.print("[green]database is up to date[/]")


@app.command()
def seed(demo: Annotated[bool, typer.Option(help="Also load the demo catalog and stock.")] = False) -> None:
    """Load reference data (tax rates, warehouses), and the demo catalog with --demo."""
    from db.engine import Database
    from db.seed import seed_demo_catalog, seed_reference_data

    db = Database(_db_url(_settings()), pool_size=1)
    (seed_demo_catalog if demo else seed_reference_data)(db)
    db.dispose()
    console.print("[green]seeded[/]")


@orders_app.command("list")
def list_orders(
    status: Annotated[str | None, typer.Option(help="Only orders in this status.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only orders from this channel.")] = None,
    customer: Annotated[str | None, typer.Option(help="Only orders of this customer id.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List orders, newest first."""
    from db import order_views
    from db.engine import Database

    db = Database(_db_url(_settings()), pool_size=1)
    with db.reader() as s:
        page = order_views.list_orders(s, status, channel, customer, limit, offset)
    table = Table(title=f"Orders {offset + 1}-{offset + len(page.items)} of {page.total}")
    for column in ("order", "status", "channel", "customer", "total", "created"):
        table.add_column(column, justify="right" if column == "total" else "left")
    for o in page.items:
        table.add_row(
            o.id,
            o.status,
            o.channel,
            o.customer_id,
            f"{o.grand_total:.2f} {o.currency}",
            o.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@orders_app.command("show")
def show_order(order_id: str) -> None:
    """Show one order: lines, totals, payment, invoice, parcels and its timeline."""
    from db import order_views
    from db.engine import Database

    db = Database(_db_url(_settings()), pool_size=1)
    with db.reader() as s:
        o = order_views.order_detail(s, order_id)
    if o is None:
        console.print(f"[red]order_not_found:[/] no order {order_id}")
        raise typer.Exit(1)
    console.print(f"[bold]{o.id}[/]  {o.status}  ({o.channel}, customer {o.customer_id} {o.customer_email})")
    if o.status_reason:
        console.print(f"reason: {o.status_reason}")
    lines = Table("sku", "name", "qty", "unit", "net", "tax", "total", title="Lines")
    for ln in o.lines:
        lines.add_row(
            ln.sku,
            ln.name,
            str(ln.quantity),
            f"{ln.unit_price:.2f}",
            f"{ln.net:.2f}",
            f"{ln.tax:.2f} ({ln.tax_rate:.1%})",
            f"{ln.total:.2f}",
        )
    q = o.quote
    lines.add_row(
        "", "shipping", "", "", f"{q.shipping.net:.2f}", f"{q.shipping.tax:.2f}", f"{q.shipping.total:.2f}"
    )
    lines.add_row(
        "",
        "[bold]total[/]",
        "",
        "",
        f"{q.net_total:.2f}",
        f"{q.tax_total:.2f}",
        f"[bold]{q.grand_total:.2f} {q.currency}[/]",
    )
    console.print(lines)
    for p in o.payments:
        console.print(f"payment  {p.operation} {p.status} {p.amount:.2f} {p.currency}  {p.gateway_reference}")
    for i in o.invoices:
        console.print(f"invoice  {i.number}  {i.grand_total:.2f} {i.currency}")
    for sh in o.shipments:
        console.print(f"parcel   {sh.tracking_number} from {sh.warehouse} via {sh.carrier}: {sh.status}")
    timeline = Table("when", "event", "status", "by", "why", title="Timeline")
    for e in o.timeline:
        timeline.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.type, e.status, e.actor, e.reason or "")
    console.print(timeline)


if __name__ == "__main__":
    app()
