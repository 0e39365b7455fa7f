"""`ordino inventory`: stock, the ledger, receipts, adjustments and what to reorder."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from db import inventory_views as views
from domain.errors import ErrorCode, OrdinoError
from starter.cli.support import console, database, load_settings, reported_errors
from starter.operations import inventory

inventory_app = typer.Typer(help="Stock, the ledger, receipts and adjustments.", no_args_is_help=True)


def _stock_table(rows: list[views.StockRow], title: str) -> Table:
    table = Table("sku", "name", "warehouse", "on hand", "reserved", "available", "reorder at", title=title)
    for r in rows:
        style = "red" if r.low else ""
        table.add_row(
            r.sku,
            r.name,
            r.warehouse,
            str(r.on_hand),
            str(r.reserved),
            str(r.available),
            str(r.reorder_point or "-"),
            style=style,
        )
    return table


def _wake(order_ids: list[str]) -> None:
    """Tell backordered orders their stock is here; if Temporal is unreachable they find out
    at their next hourly recheck."""
    if not order_ids:
        return
    from runtime.temporal_client import connect

    async def signal() -> None:
        await inventory.wake(await connect(load_settings()), order_ids)

    try:
        asyncio.run(signal())
        console.print(f"woke {len(order_ids)} backordered order(s): {', '.join(order_ids)}")
    except Exception as err:
        console.print(f"[yellow]could not reach Temporal ({err}); the orders will recheck on their own[/]")


@inventory_app.command("list")
def list_stock(
    sku: Annotated[str | None, typer.Option(help="Only this SKU.")] = None,
    warehouse: Annotated[str | None, typer.Option(help="Only this warehouse.")] = None,
    low: Annotated[bool, typer.Option(help="Only stock at or below its reorder point.")] = False,
) -> None:
    """Stock per SKU and warehouse (low stock in red)."""
    with database() as db, db.reader() as s:
        rows = views.stock_rows(s, sku, warehouse, low)
    console.print(_stock_table(rows, "Stock"))


@inventory_app.command("show")
def show(sku: str) -> None:
    """One SKU: totals, warehouses and open backorders."""
    with database() as db, db.reader() as s:
        found = views.sku_stock(s, sku)
    if found is None:
        console.print(f"[red]{ErrorCode.SKU_NOT_FOUND.value}:[/] no SKU {sku}")
        raise typer.Exit(1)
    length, width, height = found.dimensions_mm
    console.print(f"[bold]{found.sku}[/] {found.name}  {found.weight_grams} g, {length}x{width}x{height} mm")
    console.print(
        f"on hand {found.on_hand}, reserved {found.reserved}, available {found.available}, "
        f"backordered {found.backordered}"
    )
    console.print(_stock_table(found.warehouses, "Per warehouse"))


@inventory_app.command("receive")
def receive(
    warehouse: str,
    lines: Annotated[list[str], typer.Argument(help="SKU=QUANTITY, one or more.")],
    reference: Annotated[str, typer.Option(help="Delivery note; booking it twice changes nothing.")],
) -> None:
    """Book goods received at a warehouse; waiting backorders are filled first come, first served."""
    with reported_errors():
        parsed = []
        for line in lines:
            sku, sep, qty = line.partition("=")
            if not sep or not qty.strip().lstrip("-").isdigit():
                raise OrdinoError(ErrorCode.INVALID_BODY, f"{line!r} is not SKU=QUANTITY")
            parsed.append({"sku": sku.strip(), "quantity": int(qty)})
        receipt = inventory.Receipt.model_validate(
            {"warehouse": warehouse, "reference": reference, "lines": parsed}
        )
        with database() as db:
            booked = inventory.book_receipt(db, receipt)
    console.print("[green]received[/]" if booked.booked else f"[yellow]{reference} was booked before[/]")
    _wake(booked.woken_orders)


@inventory_app.command("adjust")
def adjust(
    sku: str,
    warehouse: str,
    delta: Annotated[int, typer.Option(help="Units to add (positive) or remove (negative).")],
    reason: Annotated[str, typer.Option(help="Why: kept in the ledger.")],
    reference: Annotated[str, typer.Option(help="Count sheet or ticket; booking it twice changes nothing.")],
    write_off: Annotated[bool, typer.Option(help="Units are damaged, lost or expired.")] = False,
) -> None:
    """Correct a stock count, or write units off."""
    with reported_errors():
        adjustment = inventory.Adjustment(
            sku=sku,
            warehouse=warehouse,
            quantity_delta=delta,
            reason=reason,
            reference=reference,
            kind="write_off" if write_off else "adjustment",
        )
        with database() as db:
            booked = inventory.book_adjustment(db, adjustment)
    console.print("[green]adjusted[/]" if booked.booked else f"[yellow]{reference} was booked before[/]")
    _wake(booked.woken_orders)


@inventory_app.command("reorder")
def reorder(
    sku: str,
    warehouse: str,
    point: Annotated[int, typer.Option(help="Reorder when available units fall to this.")],
    quantity: Annotated[int, typer.Option(help="How many to reorder.")],
) -> None:
    """Set the reorder point and quantity of a SKU at a warehouse."""
    with reported_errors():
        policy = inventory.ReorderPolicy(reorder_point=point, reorder_quantity=quantity)
        with database() as db:
            inventory.set_reorder_policy(db, sku, warehouse, policy)
    console.print(f"[green]{sku} at {warehouse}: reorder {quantity} at {point}[/]")


@inventory_app.command("movements")
def movements(sku: str, limit: Annotated[int, typer.Option(min=1, max=500)] = 30) -> None:
    """The ledger of one SKU, newest first."""
    with database() as db, db.reader() as s:
        if not views.sku_exists(s, sku):
            console.print(f"[red]{ErrorCode.SKU_NOT_FOUND.value}:[/] no SKU {sku}")
            raise typer.Exit(1)
        rows = views.movements(s, sku, limit)
    table = Table(
        "when", "warehouse", "kind", "on hand", "reserved", "reason", "reference", title=f"Ledger of {sku}"
    )
    for m in rows:
        table.add_row(
            m.at.strftime("%Y-%m-%d %H:%M:%S"),
            m.warehouse,
            m.kind,
            f"{m.on_hand_delta:+d}",
            f"{m.reserved_delta:+d}",
            m.reason,
            m.reference or "",
        )
    console.print(table)


@inventory_app.command("replenishment")
def replenishment() -> None:
    """What to reorder, with suggested quantities that include open backorders."""
    with database() as db, db.reader() as s:
        rows = views.replenishment(s)
    table = Table(
        "sku", "warehouse", "available", "reorder at", "backordered", "suggested", title="Replenishment"
    )
    for r in rows:
        table.add_row(
            r.sku,
            r.warehouse,
            str(r.available),
            str(r.reorder_point),
            str(r.open_backorders),
            f"[bold]{r.suggested_quantity}[/]",
        )
    console.print(table)


@inventory_app.command("alerts")
def alerts(limit: Annotated[int, typer.Option(min=1, max=500)] = 30) -> None:
    """Low-stock alerts, newest first."""
    with database() as db, db.reader() as s:
        rows = views.alerts(s, limit)
    table = Table("when", "kind", "sku", "warehouse", "available", "reorder at", "reference", title="Alerts")
    for a in rows:
        table.add_row(
            a.at.strftime("%Y-%m-%d %H:%M"),
            a.kind,
            a.sku,
            a.warehouse,
            str(a.available),
            str(a.reorder_point),
            a.reference or "",
        )
    console.print(table)
