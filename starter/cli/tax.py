"""`ordino tax`: tax regions and their dated rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from domain.money import percent
from domain.tax import TaxClass
from starter.cli.support import When, console, database, period, reported_errors, utc
from starter.operations import tax_rates

tax_app = typer.Typer(help="Tax regions and their dated rates.", no_args_is_help=True)


@tax_app.command("regions")
def regions(at: When = None) -> None:
    """Tax regions with the rates in force now (or at a date)."""
    with database() as db:
        rows = tax_rates.regions(db, utc(at))
    classes = [c.value for c in TaxClass][:3]
    table = Table("region", "name", "rounding", *classes, title="Tax regions")
    for r in rows:
        rates = [percent(r.rates_in_force[c]) if c in r.rates_in_force else "-" for c in classes]
        table.add_row(r.code, r.name, r.rounding.value, *rates)
    console.print(table)


@tax_app.command("rates")
def rates(region: str) -> None:
    """A region's rates over time."""
    with reported_errors(), database() as db:
        rows = tax_rates.rates(db, region)
    table = Table("class", "rate", "valid", title=f"Tax rates of {region.upper()}")
    for r in rows:
        table.add_row(r.tax_class, percent(r.rate), period(r.valid_from, r.valid_to))
    console.print(table)


@tax_app.command("set-rate")
def set_rate(
    region: str,
    tax_class: TaxClass,
    rate: Annotated[Decimal, typer.Argument(help="0.22 for 22%.")],
    valid_from: When = None,
    supersede: Annotated[bool, typer.Option(help="End the rate in force at that date.")] = False,
) -> None:
    with reported_errors(), database() as db:
        body = tax_rates.NewTaxRate(
            tax_class=tax_class, rate=rate, valid_from=utc(valid_from), supersede=supersede
        )
        r = tax_rates.add_rate(db, region, body)
    console.print(
        f"[green]{r.region}[/] {r.tax_class} is {percent(r.rate)} {period(r.valid_from, r.valid_to)}"
    )
