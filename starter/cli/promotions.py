"""`ordino promotions`: create promotions and coupons, pause and resume them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from domain.money import percent
from domain.promotions import PromotionKind
from starter.cli.support import When, console, database, load_settings, period, reported_errors, utc
from starter.operations import promotions

promotions_app = typer.Typer(help="Promotions and coupons.", no_args_is_help=True)


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
                      period(p.valid_from, p.valid_to), "yes" if p.active else "[red]no[/]")  # fmt: skip
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
            valid_from=utc(valid_from), valid_to=utc(valid_to),
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
