"""`ordino orders pack | retry | address | mails | feedback`: warehouses and support
act on shipping from the terminal (orders.py puts these commands in its group)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from db import reports
from db.models import CustomerNotification, Order
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Address, AddressCorrection, PackConfirmation
from domain.reports import ReportPeriod
from providers.mailer import message_id
from starter.cli.support import actor, console, database, reported_errors, with_temporal
from starter.operations import shipping


def pack(order_id: str, warehouse: str) -> None:
    """A warehouse confirms it picked and packed its parcel of the order."""
    with reported_errors():
        body = PackConfirmation(warehouse=warehouse)
    packed = with_temporal(lambda client, db: shipping.confirm_packed(client, db, order_id, body))
    console.print(f"[green]packed[/] {warehouse}: {packed.weight_grams / 1000:.2f} kg")


def retry_parked(order_id: str) -> None:
    """Run a parked step again (see `ordino orders alerts`), once its cause is fixed."""
    step = with_temporal(lambda client, db: shipping.retry_parked(client, db, order_id, actor()))
    console.print(f"[green]retrying[/] {step}")


def correct_address(
    order_id: str,
    line1: Annotated[str | None, typer.Option(help="Street and number.")] = None,
    line2: Annotated[str | None, typer.Option()] = None,
    postal_code: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option()] = None,
    name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Correct the address of an order on hold (the carrier refused it); unchanged fields stay."""
    with database() as db, db.reader() as s:
        current = s.scalar(select(Order.shipping_address).where(Order.id == order_id))
    with reported_errors():
        if current is None:
            raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")
        given = {"line1": line1, "line2": line2, "postal_code": postal_code, "city": city,
                 "country": country, "name": name}  # fmt: skip
        address = Address.model_validate({**current, **{k: v for k, v in given.items() if v is not None}})
        body = AddressCorrection(address=address, actor=actor())
    with_temporal(lambda client, db: shipping.correct_address(client, db, order_id, body))
    console.print(f"[green]address corrected[/]: {address.line1}, {address.postal_code} {address.city}")


def mails(order_id: str, body: Annotated[bool, typer.Option(help="Print each message.")] = False) -> None:
    """The mails sent to the customer for an order, one per event."""
    with database() as db, db.reader() as s:
        rows = list(s.scalars(select(CustomerNotification).where(CustomerNotification.order_id == order_id)
                              .order_by(CustomerNotification.id)))  # fmt: skip
    table = Table("kind", "subject", "to", "sent", "message id", title=f"Mails for {order_id}")
    for n in rows:
        sent = n.sent_at.strftime("%H:%M:%S") if n.sent_at else "[yellow]queued[/]"
        table.add_row(n.kind, n.subject, n.recipient, sent, message_id(n.idempotency_key))
    console.print(table)
    if body:
        for n in rows:
            console.rule(n.subject)
            console.print(n.body, markup=False)


def feedback_report(
    first: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    last: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    channel: str | None = None,
) -> None:
    """Customers' ratings of the orders placed from --from to --to (UTC days; by default the
    last 7 days): the average and how many gave each (as GET /reports/feedback)."""
    with reported_errors():
        period = ReportPeriod.of(
            first and first.date(), last and last.date(), channel, datetime.now(UTC).date()
        )
    with database() as db, db.reader() as s:
        report = reports.feedback(s, period)
    console.print(
        f"{report.count} rating(s), average {report.average if report.average is not None else '-'}"
    )
    for rating, count in sorted(report.distribution.items(), reverse=True):
        console.print(f"{'★' * rating:<5} {count}")
