"""`ordino returns`: request, decide and receive returns, and see where each stands."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from db import return_views as views
from domain.errors import ErrorCode
from domain.returns import Decision, InspectedItem, ReceiveReturn, Resolution, ReturnLine, ReturnRequest
from starter.cli.support import actor, console, database, reported_errors, with_temporal
from starter.operations import returns

returns_app = typer.Typer(help="Returns and exchanges.", no_args_is_help=True)


def _pairs(values: list[str], what: str) -> list[list[str]]:
    """SKU:QTY[:EXTRA] items from the command line."""
    parts = [v.split(":") for v in values]
    if not parts or any(len(p) < 2 or not p[1].isdigit() for p in parts):
        raise typer.BadParameter(f"give each {what} as SKU:QTY[:...]")
    return parts


def _show(r: views.ReturnView) -> None:
    console.print(
        f"[bold]{r.id}[/]  order {r.order_id}  [cyan]{r.status}[/]  {r.resolution}  ref {r.reference}"
    )
    if r.decided_by:
        console.print(
            f"  decided by {r.decided_by}" + (f": {r.decision_reason}" if r.decision_reason else "")
        )
    if r.label_tracking_number:
        console.print(f"  return label {r.label_tracking_number}")
    table = Table("sku", "qty", "reason", "exchange for", "resellable", "damaged", "accepted")
    for ln in r.lines:
        table.add_row(ln.sku, str(ln.quantity), ln.reason, ln.exchange_sku or "", str(ln.resellable),
                      str(ln.damaged), str(ln.accepted))  # fmt: skip
    console.print(table)
    if r.refunded:
        console.print(f"  refunded {r.refunded}; credit notes {', '.join(r.credit_notes)}")


@returns_app.command("list")
def list_returns(
    order: Annotated[str | None, typer.Option(help="The returns of this order.")] = None,
) -> None:
    """Returns waiting for support (a decision or their parcel), or all of one order's."""
    with database() as db, db.reader() as s:
        rows = views.returns_of(s, order) if order else views.open_returns(s)
    table = Table("return", "order", "status", "resolution", "requested", "refunded", title="Returns")
    for r in rows:
        table.add_row(
            r.id, r.order_id, r.status, r.resolution, f"{r.requested_at:%Y-%m-%d %H:%M}", str(r.refunded)
        )
    console.print(table)


@returns_app.command("show")
def show(return_id: str) -> None:
    with database() as db, db.reader() as s:
        found = views.return_view(s, return_id)
    if found is None:
        console.print(f"[red]{ErrorCode.RETURN_NOT_FOUND.value}:[/] no return {return_id}")
        raise typer.Exit(1)
    _show(found)


@returns_app.command("request")
def request(
    order_id: str,
    line: Annotated[list[str], typer.Option(help="SKU:QTY:REASON[:EXCHANGE_SKU], repeatable.")],
    reference: Annotated[str, typer.Option(help="The RMA or ticket number; the same one returns once.")],
    exchange: Annotated[bool, typer.Option(help="Ship replacements instead of refunding.")] = False,
    note: str | None = None,
) -> None:
    """Request a return (or an exchange) for part of a delivered order."""
    with reported_errors():
        lines = [
            ReturnLine.model_validate({"sku": p[0], "quantity": int(p[1]),
                                       "reason": p[2] if len(p) > 2 else "other",
                                       "exchange_sku": p[3] if len(p) > 3 else None})
            for p in _pairs(line, "line")
        ]  # fmt: skip
        body = ReturnRequest(
            reference=reference, lines=lines, note=note, actor=actor(),
            resolution=Resolution.EXCHANGE if exchange else Resolution.REFUND,
        )  # fmt: skip
    _show(with_temporal(lambda client, db: returns.request(client, db, order_id, body)))


@returns_app.command("approve")
def approve(return_id: str, reason: str | None = None) -> None:
    _show(
        with_temporal(
            lambda client, db: returns.decide(
                client, db, return_id, Decision(approve=True, reason=reason, actor=actor())
            )
        )
    )


@returns_app.command("reject")
def reject(return_id: str, reason: Annotated[str, typer.Option(help="Why, for the customer.")]) -> None:
    _show(
        with_temporal(
            lambda client, db: returns.decide(
                client, db, return_id, Decision(approve=False, reason=reason, actor=actor())
            )
        )
    )


@returns_app.command("receive")
def receive(
    return_id: str,
    warehouse: Annotated[str, typer.Option(help="Where the parcel arrived.")],
    item: Annotated[list[str], typer.Option(help="SKU:QTY:resellable|damaged, repeatable.")],
) -> None:
    """Book a returned parcel in; resellable goods go back to stock, damaged are written off."""
    with reported_errors():
        items = [
            InspectedItem.model_validate(
                {"sku": p[0], "quantity": int(p[1]), "outcome": p[2] if len(p) > 2 else "resellable"}
            )
            for p in _pairs(item, "item")
        ]
        body = ReceiveReturn(warehouse=warehouse, items=items, actor=actor())
    _show(with_temporal(lambda client, db: returns.receive(client, db, return_id, body)))
