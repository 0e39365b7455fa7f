"""The `ordino` command: run the stack or its parts (processes.py), set up the database
(database.py); orders, inventory, invoices, prices, promotions, tax, returns and API keys
have their own groups, one module each."""

from __future__ import annotations

import typer

from starter.cli import database, processes
from starter.cli.inventory import inventory_app
from starter.cli.invoices import invoices_app
from starter.cli.keys import keys_app
from starter.cli.orders import orders_app
from starter.cli.pricing import prices_app, quote
from starter.cli.promotions import promotions_app
from starter.cli.returns import returns_app
from starter.cli.tax import tax_app

app = typer.Typer(
    help="Ordino: order management where every order is a durable workflow.", no_args_is_help=True
)
app.add_typer(orders_app, name="orders")
app.add_typer(inventory_app, name="inventory")
app.add_typer(invoices_app, name="invoices")
app.add_typer(prices_app, name="prices")
app.add_typer(promotions_app, name="promotions")
app.add_typer(tax_app, name="tax")
app.add_typer(returns_app, name="returns")
app.add_typer(keys_app, name="keys")
for command in (
    quote,
    processes.dev,
    processes.worker,
    processes.api,
    processes.carrier,
    processes.warehouse,
    processes.mailsink,
    processes.chaos,
    database.migrate,
    database.seed,
):
    app.command()(command)
