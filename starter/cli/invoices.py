"""`ordino invoices`: list invoices, show one, save its PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from db import invoice_views as views
from domain.errors import ErrorCode
from domain.money import percent
from starter.cli.support import console, database, money
from starter.operations.invoice_pdf import render_invoice

invoices_app = typer.Typer(help="Invoices: one per shipment, numbered without gaps.", no_args_is_help=True)


@invoices_app.command("list")
def list_invoices(
    order: Annotated[str | None, typer.Option(help="Only the invoices of this order.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
) -> None:
    """Invoices, newest first."""
    with database() as db, db.reader() as s:
        page = views.list_invoices(s, order, limit)
    table = Table("number", "order", "issued", "total", title=f"Invoices ({page.total})")
    for i in page.items:
        table.add_row(i.number, i.order_id, f"{i.issued_at:%Y-%m-%d %H:%M}", money(i.grand_total, i.currency))
    console.print(table)


@invoices_app.command("show")
def show(
    number: str,
    pdf: Annotated[Path | None, typer.Option(help="Also save the invoice as a PDF here.")] = None,
) -> None:
    """One invoice: lines, VAT per rate and totals."""
    with database() as db, db.reader() as s:
        inv = views.invoice_detail(s, number)
    if inv is None:
        console.print(f"[red]{ErrorCode.INVOICE_NOT_FOUND.value}:[/] no invoice {number}")
        raise typer.Exit(1)
    console.print(
        f"[bold]{inv.number}[/]  {inv.issued_at:%Y-%m-%d}  order {inv.order_id}  to {inv.buyer['name']}"
    )
    table = Table("item", "qty", "net", "VAT", "total")
    for ln in inv.lines:
        table.add_row(
            f"{ln.name} ({ln.sku})",
            str(ln.quantity),
            money(ln.net, inv.currency),
            money(ln.tax, inv.currency),
            money(ln.total, inv.currency),
        )
    if inv.shipping:
        sh = inv.shipping
        table.add_row(
            "shipping",
            "",
            money(sh.net, inv.currency),
            money(sh.tax, inv.currency),
            money(sh.total, inv.currency),
        )
    console.print(table)
    for t in inv.tax_breakdown:
        console.print(f"VAT {percent(t.rate)} on {money(t.net, inv.currency)}: {money(t.tax, inv.currency)}")
    console.print(
        f"[bold]total {money(inv.grand_total, inv.currency)}[/]  (net {money(inv.net_total, inv.currency)}, "
        f"VAT {money(inv.tax_total, inv.currency)})"
    )
    if pdf is not None:
        pdf.write_bytes(render_invoice(inv))
        console.print(f"saved {pdf}")


@invoices_app.command("credit-notes")
def credit_notes(
    order: Annotated[str | None, typer.Option(help="Only the credit notes of this order.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
) -> None:
    """Credit notes, newest first, with the invoice each corrects."""
    with database() as db, db.reader() as s:
        notes = views.credit_notes(s, order, limit)
    table = Table("number", "invoice", "order", "issued", "total", "reason", title="Credit notes")
    for n in notes:
        table.add_row(
            n.number,
            n.invoice_number,
            n.order_id,
            f"{n.issued_at:%Y-%m-%d %H:%M}",
            money(n.grand_total, n.currency),
            n.reason,
        )
    console.print(table)
