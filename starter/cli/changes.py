"""`ordino orders change | cancel`: edits and cancellations from the terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from domain.changes import Cancellation, CancelLine, ChangeOutcome, LineQuantity, OrderChange
from domain.orders import Address
from starter.cli.pricing import print_quote
from starter.cli.support import actor, console, reported_errors, with_temporal
from starter.operations import changes


def _lines(values: list[str]) -> list[tuple[str, int]]:
    out = []
    for value in values:
        sku, _, qty = value.partition(":")
        if not qty.isdigit():
            raise typer.BadParameter(f"{value!r}: give SKU:QUANTITY")
        out.append((sku, int(qty)))
    return out


def change(
    order_id: str,
    reference: Annotated[str, typer.Option(help="Ticket number; the same reference changes once.")],
    line: Annotated[list[str] | None, typer.Option(help="SKU:QUANTITY (0 removes), repeatable.")] = None,
    address: Annotated[Path | None, typer.Option(help="A JSON file with the new shipping address.")] = None,
    reason: str | None = None,
    preview: Annotated[bool, typer.Option(help="Show what would change; change nothing.")] = False,
) -> None:
    """Edit an order before it is packed: quantities, lines, shipping address."""
    with reported_errors():
        body = OrderChange(
            reference=reference, preview=preview, reason=reason, actor=actor(),
            lines=[LineQuantity(sku=s, quantity=q) for s, q in _lines(line or [])],
            shipping_address=Address.model_validate(json.loads(address.read_text())) if address else None,
        )  # fmt: skip
    outcome: ChangeOutcome = with_temporal(lambda client, db: changes.change(client, db, order_id, body))
    plan = outcome.plan
    print_quote(plan.quote)
    for e in plan.stock:
        flag = "" if e.available else "  [red]not in stock[/]"
        console.print(f"  {e.sku}: {e.before} -> {e.after}{flag}")
    verb = "[green]changed[/]" if outcome.applied else "[yellow]preview, nothing changed[/]"
    console.print(
        f"{verb}: total {plan.previous_total} -> {plan.quote.grand_total} (payment: {plan.payment})"
    )


def cancel(
    order_id: str,
    reason: Annotated[str, typer.Option(help="Why: kept in the audit trail and told to the customer.")],
    reference: Annotated[str, typer.Option(help="Ticket number; the same reference cancels once.")],
    line: Annotated[list[str] | None, typer.Option(help="SKU:QUANTITY to cancel; none: everything.")] = None,
) -> None:
    """Cancel an order (or some units of it) before delivery."""
    with reported_errors():
        lines = [CancelLine(sku=s, quantity=q) for s, q in _lines(line)] if line else None
        body = Cancellation(reference=reference, reason=reason, lines=lines, actor=actor())
    outcome = with_temporal(lambda client, db: changes.cancel(client, db, order_id, body))
    refunded = f", refunded {outcome.refunded}" if outcome.refunded else ""
    console.print(f"order {order_id} is [bold]{outcome.status.value}[/]{refunded}")
