"""Internal notes from the console: the form on an order's page (templates/orders/notes.html)
posts here, and the note is written as POST /orders/{order_id}/notes writes it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from db import notes
from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.notes import NoteRequest
from starter.console.pages import render, templates
from starter.console.permissions import may
from starter.console.sessions import PREFIX, ConsoleRefusal, StaffPost
from starter.http.dependencies import Svc
from starter.operations.sessions import read, write

log = structlog.get_logger()
router = APIRouter()
OrderId = Annotated[str, Path(max_length=100)]
ADD_NOTE = ("POST", "/orders/{order_id}/notes")

# Each note form gets a reference of its own, so a form sent twice (a double click, a
# resend after a timeout) adds its note once.
templates.env.globals.update(note_reference=lambda: uuid.uuid4().hex)


def _refusal(err: ValidationError | OrdinoError) -> OrdinoError:
    if isinstance(err, OrdinoError):
        return err
    return OrdinoError(
        ErrorCode.INVALID_BODY, "A note is 1 to 2000 characters of text, without control characters"
    )


@router.post("/orders/{order_id}/notes", response_model=None)
async def add_note(
    request: Request,
    order_id: OrderId,
    staff: StaffPost,
    svc: Svc,
    text: Annotated[str, Form(max_length=4000)] = "",
    reference: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    if not may(staff.principal, *ADD_NOTE):
        raise ConsoleRefusal(f"A {staff.principal.role.value} key may not write notes on orders.")
    try:
        note = NoteRequest(text=text, reference=reference or None, actor=staff.principal.actor)
        added, created = await write(svc.db, notes.add, order_id, note, datetime.now(UTC))
    except (ValidationError, OrdinoError) as err:
        error = _refusal(err)
    else:
        if created:
            log.info("note added", order_id=order_id, reference=added.reference, source="console")
        return RedirectResponse(f"{PREFIX}/orders/{quote(order_id, safe='')}#notes", status_code=303)
    found = await read(svc.db, notes.notes_of, order_id) if order_id.isprintable() else None
    return render(request, staff, "orders/note_refused.html", status_code=HTTP_STATUS[error.code],
                  order_id=order_id, notes=found or [], error=error, note_text=text)  # fmt: skip
