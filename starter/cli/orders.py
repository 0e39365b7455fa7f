"""`ordino orders`: look at orders (read from PostgreSQL) and refund one; the commands of
shipping.py and changes.py act on one order too, so they sit in this group."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table

from db import order_views
from domain.errors import ErrorCode, OrdinoError
from domain.money import percent, quantum
from domain.pseudonyms import looks_like_email
from settings import MissingSecret
from starter.cli import alerts, changes, notes, shipping
from starter.cli.support import actor, console, database, load_settings, money, reported_errors, with_temporal

orders_app = typer.Typer(help="Look at orders (read from PostgreSQL).", no_args_is_help=True)


@orders_app.command("list")
def list_orders(
    status: Annotated[str | None, typer.Option(help="Only orders in this status.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only orders from this channel.")] = None,
    customer: Annotated[str | None, typer.Option(help="Only orders of this customer id.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """List orders, newest first."""
    with database() as db, db.reader() as s:
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
            money(o.grand_total, o.currency),
            o.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@orders_app.command("show")
def show_order(order_id: str) -> None:
    """Show one order: lines, totals, payments, invoices, credit notes, parcels and its timeline."""
    with database() as db, db.reader() as s:
        o = order_views.order_detail(s, order_id)
    if o is None:
        console.print(f"[red]order_not_found:[/] no order {order_id}")
        raise typer.Exit(1)
    _header(o)
    q = o.quote

    def amt(amount: Decimal) -> str:
        return str(amount.quantize(quantum(q.currency)))

    lines = Table("sku", "name", "qty", "unit", "net", "tax", "total", title=f"Lines ({q.currency})")
    for ln in o.lines:
        lines.add_row(
            ln.sku,
            ln.name,
            str(ln.quantity),
            amt(ln.unit_price),
            amt(ln.net),
            f"{amt(ln.tax)} ({percent(ln.tax_rate)})",
            amt(ln.total),
        )
    lines.add_row("", "shipping", "", "", amt(q.shipping.net), amt(q.shipping.tax), amt(q.shipping.total))
    lines.add_row(
        "", "[bold]total[/]", "", "", amt(q.net_total), amt(q.tax_total), f"[bold]{amt(q.grand_total)}[/]"
    )
    console.print(lines)
    for p in o.payments:
        console.print(
            f"payment  {p.operation} {p.status} {money(p.amount, p.currency)}  {p.gateway_reference}"
        )
    for i in o.invoices:
        console.print(f"invoice  {i.number}  {money(i.grand_total, i.currency)}")
    for c in o.credit_notes:
        console.print(
            f"credit   {c.number}  {money(c.grand_total, c.currency)} on {c.invoice_number}: {c.reason}",
            markup=False,
        )
    for sh in o.shipments:
        console.print(f"parcel   {sh.tracking_number} from {sh.warehouse} via {sh.carrier}: {sh.status}")
    for n in o.notifications:
        console.print(f"mail     to {n.recipient}: {n.subject} ({'sent' if n.sent_at else 'queued'})")
    timeline = Table("when", "event", "status", "by", "why", title="Timeline")
    for e in o.timeline:
        kind = f"{e.type} (internal)" if e.internal else e.type
        timeline.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), kind, e.status, e.actor, e.reason or "")
    console.print(timeline)


@orders_app.command("refund")
def refund(
    order_id: str,
    amount: Annotated[str, typer.Option(help="How much to give back, e.g. 5.00.")],
    reason: Annotated[str, typer.Option(help="Why: kept in the audit trail and on the credit note.")],
    reference: Annotated[str, typer.Option(help="Ticket number; the same reference refunds once.")],
) -> None:
    """A goodwill refund: money back through the gateway, with a credit note per invoice."""
    from domain.orders import RefundRequest
    from starter.operations import refunds

    with reported_errors():
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise OrdinoError(ErrorCode.INVALID_AMOUNT, f"{amount!r} is not an amount") from None
        request = RefundRequest(amount=value, reason=reason, reference=reference, actor=actor())
    outcome = with_temporal(lambda client, db: refunds.refund(client, db, order_id, request))
    console.print(f"[green]refunded {outcome.refunded}[/]; credit notes: {', '.join(outcome.credit_notes)}")


def _header(o: order_views.OrderDetail) -> None:
    console.print(f"[bold]{o.id}[/]  {o.status}  ({o.channel}, customer {o.customer_id} {o.customer_email})")
    pseudonym = _pseudonym(o.customer_id)
    if pseudonym:
        console.print(f'in the Web UI: CustomerId = "{pseudonym}"', markup=False)
    if o.status_reason:
        console.print(f"reason: {o.status_reason}")
    if o.late:
        console.print("[red]late:[/] a parcel missed its delivery SLA; support was alerted")


def _pseudonym(customer_id: str) -> str | None:
    """How the Web UI finds a customer whose id is an e-mail address (domain/pseudonyms.py),
    if this process has the key to tell."""
    if not looks_like_email(customer_id):
        return None
    try:
        return load_settings().customer_search_id(customer_id)
    except MissingSecret:
        return None


# Warehouses and support act on one order's shipping, support edits or cancels it, writes
# notes on it and handles its alerts.
for name, command in (
    ("pack", shipping.pack),
    ("retry", shipping.retry_parked),
    ("address", shipping.correct_address),
    ("mails", shipping.mails),
    ("alerts", alerts.list_alerts),
    ("acknowledge", alerts.acknowledge),
    ("resolve", alerts.resolve),
    ("note", notes.note),
    ("feedback", shipping.feedback_report),
    ("change", changes.change),
    ("cancel", changes.cancel),
):
    orders_app.command(name)(command)
