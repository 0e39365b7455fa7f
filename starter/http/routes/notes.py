"""Internal notes over HTTP: support and finance write on an order's timeline for each
other; the author is the key. Nothing of the order changes, so no workflow is asked."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from fastapi import APIRouter, Response

from db import notes
from domain.errors import ErrorCode, OrdinoError
from domain.notes import NoteRequest
from starter.http.access import Caller, GuardedRoute, acting
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import OrderId
from starter.operations.sessions import read_one, write

log = structlog.get_logger()
router = APIRouter(tags=["orders"], route_class=GuardedRoute)


@router.post(
    "/orders/{order_id}/notes",
    status_code=201,
    response_model=notes.NoteView,
    responses={200: {"model": notes.NoteView, "description": "Added before under this reference"}},
    openapi_extra=refusals(ErrorCode.ORDER_NOT_FOUND, ErrorCode.IDEMPOTENCY_CONFLICT),
)
async def add_note(
    order_id: OrderId, body: NoteRequest, svc: Svc, caller: Caller, response: Response
) -> notes.NoteView:
    """An internal note on the order's timeline (closed orders too), never shown to the
    customer or the channel. Sent again with the same `reference`, it is added once (200);
    another text under that reference is `409 idempotency_conflict`."""
    note, added = await write(svc.db, notes.add, order_id, acting(body, caller), datetime.now(UTC))
    if added:
        log.info("note added", order_id=order_id, reference=note.reference)
    else:
        response.status_code = 200
    return note


@router.get(
    "/orders/{order_id}/notes",
    response_model=list[notes.NoteView],
    openapi_extra=refusals(ErrorCode.ORDER_NOT_FOUND),
)
async def notes_of(order_id: OrderId, svc: Svc) -> list[notes.NoteView]:
    """The order's internal notes, oldest first, with author and time."""
    return await read_one(svc.db, OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}"),
                          notes.notes_of, order_id)  # fmt: skip
