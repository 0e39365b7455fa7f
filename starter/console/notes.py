"""Internal notes from the console: the form on an order's page (templates/orders/notes.html)
posts here, and the note is written as POST /orders/{order_id}/notes writes it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from db import notes
from domain.errors import HTTP_STATUS, OrdinoError
from domain.notes import NoteRequest
from starter.console.forms import fresh_reference, validated
from starter.console.order_actions import OrderId
from starter.console.pages import render, templates
from starter.console.permissions import may
from starter.console.sessions import PREFIX, ConsoleRefusal, StaffPost
from starter.http.dependencies import Svc
from starter.operations.sessions import read, write

log = structlog.get_logger()
router = APIRouter(prefix=PREFIX)
ADD_NOTE = ("POST", "/orders/{order_id}/notes")

# The note form (templates/orders/notes.html) carries a reference from the moment it is
# shown, so a form sent twice (a double click, a reload) adds its note once.
templates.env.globals.update(fresh_reference=fresh_reference)


@router.post("/orders/{order_id}/notes", response_model=None)
async def add_note(
    request: Request,
    order_id: OrderId,
    staff: StaffPost,
    svc: Svc,
    text: Annotated[str, Form(max_length=4000)] = "",
    reference: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Add the note and go back to the order's page; refused, the form again with why."""
    if not may(staff.principal, *ADD_NOTE):
        raise ConsoleRefusal(f"A {staff.principal.role.value} key may not write notes on orders.")
    fields = {"text": text, "reference": reference or None, "actor": staff.principal.actor}
    try:
        note = validated(NoteRequest, fields)
        added, created = await write(svc.db, notes.add, order_id, note, datetime.now(UTC))
    except OrdinoError as err:
        found = await read(svc.db, notes.notes_of, order_id) if order_id.isprintable() else None
        return render(request, staff, "orders/note_refused.html", status_code=HTTP_STATUS[err.code],
                      order_id=order_id, notes=found or [], error=err, note_text=text)  # fmt: skip
    if created:
        log.info("note added", order_id=order_id, reference=added.reference, source="console")
    return RedirectResponse(f"{PREFIX}/orders/{quote(order_id, safe='')}#notes", status_code=303)
