"""`ordino prices | quote`: administer the price lists orders are priced with, and price a
basket from the terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from domain.money import percent
from domain.orders import Basket
from domain.quote import Quote
from starter.cli.support import When, console, database, load_settings, money, period, reported_errors, utc
from starter.operations import price_lists, quotes

prices_app = typer.Typer(help="Price lists per channel and currency.", no_args_is_help=True)


@prices_app.command("list")
def list_price_lists() -> None:
    with database() as db:
        rows = price_lists.list_all(db)
    table = Table("code", "name", "channel", "currency", "valid", "prices", title="Price lists")
    for r in rows:
        table.add_row(r.code, r.name, r.channel or "all", r.currency, period(r.valid_from, r.valid_to),
                      str(r.price_count))  # fmt: skip
    console.print(table)


@prices_app.command("show")
def show_price_list(code: str) -> None:
    with reported_errors(), database() as db:
        pl = price_lists.get(db, code)
    table = Table(
        "sku", "price", title=f"{pl.code}: {pl.name} ({pl.channel or 'all channels'}, {pl.currency})"
    )
    for p in pl.prices:
        table.add_row(p.sku, money(p.amount, pl.currency))
    console.print(table)


@prices_app.command("create")
def create_price_list(
    code: str,
    name: str,
    currency: str,
    channel: Annotated[str | None, typer.Option(help="Only this channel; default every channel.")] = None,
    valid_from: When = None,
    valid_to: Annotated[datetime | None, typer.Option(help="Default: until ended.")] = None,
) -> None:
    """A new, empty price list; fill it with `ordino prices set`."""
    with reported_errors(), database() as db:
        body = price_lists.NewPriceList(
            code=code, name=name, currency=currency, channel=channel, valid_from=utc(valid_from),
            valid_to=utc(valid_to),
        )  # fmt: skip
        pl = price_lists.create(db, body, set(load_settings().channels))
    console.print(f"[green]created[/] {pl.code} ({period(pl.valid_from, pl.valid_to)})")


@prices_app.command("set")
def set_price(code: str, sku: str, amount: Decimal) -> None:
    """Add or change one SKU's price in a list."""
    with reported_errors(), database() as db:
        pl = price_lists.set_prices(db, code, [price_lists.Price(sku=sku, amount=amount)])
    console.print(f"[green]{sku}[/] costs {money(amount, pl.currency)} in {pl.code}")


@prices_app.command("end")
def end_price_list(code: str, at: When = None) -> None:
    """Stop a price list (now, or at a date), to hand over to a new one."""
    with reported_errors(), database() as db:
        pl = price_lists.end(db, code, utc(at) or datetime.now(UTC))
    console.print(f"{pl.code} ends {pl.valid_to:%Y-%m-%d %H:%M} UTC")


def quote(basket_file: Annotated[Path, typer.Argument(help="A JSON basket, as for POST /quotes.")]) -> None:
    """Price a basket as an order placed now would be priced."""
    settings = load_settings()
    with reported_errors(), database() as db:
        body = Basket.model_validate(json.loads(basket_file.read_text()))
        q = quotes.price_basket(db, settings, body)
    print_quote(q)


def print_quote(q: Quote) -> None:
    cur = q.currency
    table = Table("item", "qty", "discount", "net", "VAT", "total", title=f"Quote ({q.tax_region}, {cur})")

    def row(
        item: str, qty: str, discount: Decimal, net: Decimal, tax: Decimal, rate: Decimal, total: Decimal
    ) -> None:
        off = money(discount, cur) if discount else ""
        table.add_row(
            item, qty, off, money(net, cur), f"{money(tax, cur)} ({percent(rate)})", money(total, cur)
        )

    for ln in q.lines:
        row(f"{ln.name} ({ln.sku})", str(ln.quantity), ln.discount, ln.net, ln.tax, ln.tax_rate, ln.total)
    sh = q.shipping
    row(f"shipping ({sh.zone})", "", sh.discount, sh.net, sh.tax, sh.tax_rate, sh.total)
    console.print(table)
    for d in q.discounts:
        console.print(f"  {d.code}: {d.description}  [green]-{money(d.amount, cur)}[/]")
    for note in q.notes:
        console.print(f"  [bold]{note}[/]")
    console.print(f"  VAT {money(q.tax_total, cur)}   [bold]total {money(q.grand_total, cur)}[/]")
