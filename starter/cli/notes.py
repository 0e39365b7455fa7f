"""`ordino orders note ORDER_ID TEXT`: an internal note on the order's timeline, written as
POST /orders/{order_id}/notes writes it; the author is the CLI's actor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from db import notes
from domain.notes import NoteRequest
from starter.cli.support import actor, console, database, reported_errors


def note(
    order_id: str,
    text: str,
    reference: Annotated[
        str | None, typer.Option(help="Your id for the note: the same one adds it once.")
    ] = None,
) -> None:
    """Add an internal note (staff only: never shown to the customer)."""
    with reported_errors():
        request = NoteRequest(text=text, reference=reference, actor=actor())
        with database() as db, db.transaction() as s:
            added, created = notes.add(s, order_id, request, datetime.now(UTC))
    said = "noted" if created else "noted before"
    console.print(f"{said} on {order_id} by {added.author} ({added.reference})", markup=False)
