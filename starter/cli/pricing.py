"""`ordino prices | promotions | tax | quote`: administer what orders are priced with, and
price a basket from the terminal."""

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
from domain.promotions import PromotionKind
from domain.quote import Quote
from domain.tax import TaxClass
from starter.cli.support import console, database, load_settings, money, reported_errors
from starter.operations import price_lists, promotions, quotes, tax_rates

prices_app = typer.Typer(help="Price lists per channel and currency.", no_args_is_help=True)
promotions_app = typer.Typer(help="Promotions and coupons.", no_args_is_help=True)
tax_app = typer.Typer(help="Tax regions and their dated rates.", no_args_is_help=True)

When = Annotated[datetime | None, typer.Option(help="ISO date or time, UTC; default now.")]


def _utc(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _period(valid_from: datetime | None, valid_to: datetime | None) -> str:
    start = f"{valid_from:%Y-%m-%d}" if valid_from else "now"
    return f"{start} → {valid_to:%Y-%m-%d}" if valid_to else f"from {start}"


# --- price lists -------------------------------------------------------------------


@prices_app.command("list")
def list_price_lists() -> None:
    with database() as db:
        rows = price_lists.list_all(db)
    table = Table("code", "name", "channel", "currency", "valid", "prices", title="Price lists")
    for r in rows:
        table.add_row(r.code, r.name, r.channel or "all", r.currency, _period(r.valid_from, r.valid_to),
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
            code=code, name=name, currency=currency, channel=channel, valid_from=_utc(valid_from),
            valid_to=_utc(valid_to),
        )  # fmt: skip
        pl = price_lists.create(db, body, set(load_settings().channels))
    console.print(f"[green]created[/] {pl.code} ({_period(pl.valid_from, pl.valid_to)})")


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
        pl = price_lists.end(db, code, _utc(at) or datetime.now(UTC))
    console.print(f"{pl.code} ends {pl.valid_to:%Y-%m-%d %H:%M} UTC")


# --- promotions --------------------------------------------------------------------


@promotions_app.command("list")
def list_promotions() -> None:
    with database() as db:
        rows = promotions.list_all(db)
    table = Table(
        "code", "description", "kind", "value", "coupon", "used", "valid", "active", title="Promotions"
    )
    for p in rows:
        value = percent(p.value) if p.kind is PromotionKind.PERCENTAGE else f"{p.value} {p.currency or ''}"
        used = f"{p.times_used}/{p.usage_limit}" if p.usage_limit else str(p.times_used)
        table.add_row(p.code, p.description, p.kind.value, value, "yes" if p.coupon else "auto", used,
                      _period(p.valid_from, p.valid_to), "yes" if p.active else "[red]no[/]")  # fmt: skip
    console.print(table)


@promotions_app.command("create")
def create_promotion(
    code: str,
    description: str,
    kind: PromotionKind,
    value: Annotated[Decimal, typer.Option(help="0.10 for 10%; money for fixed amounts.")] = Decimal(0),
    currency: str | None = None,
    sku: Annotated[list[str] | None, typer.Option(help="Only these products (repeat).")] = None,
    min_subtotal: Decimal | None = None,
    channel: str | None = None,
    coupon: Annotated[bool, typer.Option(help="Applies only when its code is given.")] = False,
    usage_limit: int | None = None,
    valid_from: When = None,
    valid_to: datetime | None = None,
) -> None:
    with reported_errors(), database() as db:
        body = promotions.NewPromotion(
            code=code, description=description, kind=kind, value=value, currency=currency, skus=sku or [],
            min_subtotal=min_subtotal, channel=channel, coupon=coupon, usage_limit=usage_limit,
            valid_from=_utc(valid_from), valid_to=_utc(valid_to),
        )  # fmt: skip
        p = promotions.create(db, body, set(load_settings().channels))
    console.print(f"[green]created[/] {p.code}: {p.description}")


def _set_active(code: str, active: bool) -> None:
    with reported_errors(), database() as db:
        p = promotions.change(db, code, promotions.PromotionChange(active=active))
    console.print(f"{p.code} is {'active' if p.active else 'paused'}")


@promotions_app.command("pause")
def pause(code: str) -> None:
    _set_active(code, False)


@promotions_app.command("resume")
def resume(code: str) -> None:
    _set_active(code, True)


# --- tax ---------------------------------------------------------------------------


@tax_app.command("regions")
def regions(at: When = None) -> None:
    """Tax regions with the rates in force now (or at a date)."""
    with database() as db:
        rows = tax_rates.regions(db, _utc(at))
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
        table.add_row(r.tax_class, percent(r.rate), _period(r.valid_from, r.valid_to))
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
            tax_class=tax_class, rate=rate, valid_from=_utc(valid_from), supersede=supersede
        )
        r = tax_rates.add_rate(db, region, body)
    console.print(
        f"[green]{r.region}[/] {r.tax_class} is {percent(r.rate)} {_period(r.valid_from, r.valid_to)}"
    )


# --- quotes ------------------------------------------------------------------------


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
