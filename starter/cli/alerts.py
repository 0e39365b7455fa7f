"""`ordino orders alerts | acknowledge | resolve`: support's alerts from the terminal, as
GET /support/alerts and its acknowledge and resolve (orders.py puts these in its group)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from db import alert_views
from domain.alerts import AlertKind, AlertResolution
from starter.cli.support import actor, console, database, reported_errors
from starter.operations import alerts as handling


def list_alerts(
    kind: Annotated[AlertKind | None, typer.Option(help="Only alerts of this kind.")] = None,
    unacknowledged: Annotated[bool, typer.Option(help="Only alerts nobody is on yet.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
) -> None:
    """What support must look at: refused addresses, late, lost, damaged, returned parcels,
    parked steps, overdue backorders, failed returns."""
    only = alert_views.AlertFilter(kind=kind, acknowledged=False if unacknowledged else None)
    with database() as db, db.reader() as s:
        found = alert_views.alerts(s, limit, only)
    table = Table("id", "when", "order", "status", "kind", "what", "on it", title="Support alerts")
    for a in found:
        table.add_row(str(a.id), a.at.strftime("%Y-%m-%d %H:%M:%S"), a.order_id, a.order_status, a.kind,
                      a.message or "", a.acknowledged_by or "")  # fmt: skip
    console.print(table)


def acknowledge(alert_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Say you are on an alert: it stays open and names you."""
    with reported_errors(), database() as db:
        alert = handling.acknowledge(db, alert_id, actor())
    who = alert.acknowledged_by
    console.print(f"alert {alert.id} ({alert.kind}, order {alert.order_id}): {who} is on it", markup=False)


def resolve(
    alert_id: Annotated[int, typer.Argument(min=1)],
    reason: Annotated[str, typer.Option(help="Why it is dealt with: kept in the order's timeline.")],
) -> None:
    """Resolve an alert by hand (not a parked step or a held address: retry or correct those)."""
    with reported_errors(), database() as db:
        alert = handling.resolve(db, alert_id, actor(), AlertResolution(reason=reason).reason)
    who = alert.resolved_by
    console.print(f"alert {alert.id} ({alert.kind}, order {alert.order_id}) resolved by {who}", markup=False)
