"""Internal notes on an order's timeline: `note_added` events written straight from the API
or the CLI (a note changes nothing in the order, so no workflow hears of it), keyed by the
client's reference so that a note sent again is added once."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import order_log
from db.models import OrderEvent
from db.order_views import order_exists
from domain.errors import ErrorCode, OrdinoError
from domain.notes import NoteRequest

NOTE_ADDED = "note_added"


class NoteView(BaseModel):
    reference: str
    text: str
    author: str
    at: datetime


def _missing(order_id: str) -> OrdinoError:
    return OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")


def _view(event: OrderEvent) -> NoteView:
    return NoteView(
        reference=event.data["reference"], text=event.reason or "", author=event.actor, at=event.at
    )


def add(session: Session, order_id: str, note: NoteRequest, at: datetime) -> tuple[NoteView, bool]:
    """The note, and whether this call added it (False: added before under its reference).
    The same reference with another text or author is a different note: refused."""
    if not order_exists(session, order_id):
        raise _missing(order_id)
    reference = note.reference or uuid.uuid4().hex
    key = f"note:{reference}"
    added = order_log.append_internal(
        session, order_id, key, NOTE_ADDED, at, note.actor, note.text, {"reference": reference}
    )
    stored = session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.key == key)
    ).one()
    if stored.type != NOTE_ADDED or (stored.reason, stored.actor) != (note.text, note.actor):
        raise OrdinoError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"Order {order_id} has another note with reference {reference}",
            {"reference": reference},
        )
    return _view(stored), added


def notes_of(session: Session, order_id: str) -> list[NoteView] | None:
    """The order's notes, oldest first; None if there is no such order."""
    if not order_exists(session, order_id):
        return None
    events = session.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id, OrderEvent.type == NOTE_ADDED)
        .order_by(OrderEvent.at, OrderEvent.id)
    )
    return [_view(e) for e in events]
