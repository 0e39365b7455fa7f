"""The one way an order's state changes in PostgreSQL: the orders row and an order_events
row, in the caller's transaction. Each event has a key, so a retried activity appends once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from db.models import Order, OrderEvent
from domain.orders import SYSTEM_ACTOR
from domain.status import OrderStatus, check_move

SYSTEM = SYSTEM_ACTOR


# Built once (the unit of work's reason, db/unit_of_work.py): every step appends an event.
_ORDERS, _EVENTS = cast(Table, Order.__table__), cast(Table, OrderEvent.__table__)
_STATUS_FOR_UPDATE = select(_ORDERS.c.status).where(_ORDERS.c.id == bindparam("order_id")).with_for_update()
_APPEND = (
    insert(_EVENTS)
    .values({c: bindparam(c) for c in ("order_id", "key", "type", "status", "at", "actor", "reason", "data")})
    .on_conflict_do_nothing(constraint="order_events_once")
    .returning(_EVENTS.c.id)
)
_MOVE = update(_ORDERS).where(_ORDERS.c.id == bindparam("order_id"))
_MOVE_KEEPING_REASON = _MOVE.values(status=bindparam("new_status"), updated_at=bindparam("at"))
_MOVE_WITH_REASON = _MOVE_KEEPING_REASON.values(status_reason=bindparam("new_reason"))
_MOVED = ("status", "updated_at", "status_reason")


def append_event(
    session: Session,
    order_id: str,
    key: str,
    type: str,
    status: OrderStatus | None,
    at: datetime,
    actor: str = SYSTEM,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """Record that something happened to the order; False if it was recorded before.
    A status of None records the event and leaves the order's status as it is."""
    session.flush()  # what the step changed through the ORM, before the order's row is read
    conn = session.connection()
    current = OrderStatus(conn.execute(_STATUS_FOR_UPDATE, {"order_id": order_id}).scalar_one())
    # Only an event that sets the status speaks for it: a voided payment or a support note
    # must not become the reason a delivered order shows.
    sets_status = status is not None
    status = status or current
    event = {"order_id": order_id, "key": key, "type": type, "status": status.value, "at": at,
             "actor": actor, "reason": reason, "data": data or {}}  # fmt: skip
    if conn.execute(_APPEND, event).scalar_one_or_none() is None:
        return False  # recorded by an earlier attempt
    if status is not current:
        check_move(current, status)
    move = {"order_id": order_id, "new_status": status.value, "at": at}
    if status is not current or (sets_status and reason is not None):
        # This event's reason; moved on without one, why it was on hold no longer holds.
        conn.execute(_MOVE_WITH_REASON, {**move, "new_reason": reason})
    else:
        conn.execute(_MOVE_KEEPING_REASON, move)
    # The order's row as the session holds it, if it does, is read again when next used.
    held = session.identity_map.get(identity_key(Order, order_id))
    if held is not None:
        session.expire(held, _MOVED)
    return True


# In an event's data: written by staff for staff (a note, an acknowledgement, an alert
# resolved by hand), so never shown where a customer might read it (a channel's key).
INTERNAL = "internal"


def append_internal(
    session: Session,
    order_id: str,
    key: str,
    type: str,
    at: datetime,
    actor: str,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """Record a staff member's event that changes nothing of the order (its row, status and
    reason stay as they are); False if an event with this key was recorded before."""
    status = session.execute(select(Order.status).where(Order.id == order_id)).scalar_one()
    added = session.execute(
        insert(OrderEvent)
        .values(order_id=order_id, key=key, type=type, status=status, at=at, actor=actor, reason=reason,
                data={**(data or {}), INTERNAL: True})
        .on_conflict_do_nothing(constraint="order_events_once")
        .returning(OrderEvent.id)
    ).scalar_one_or_none()  # fmt: skip
    return added is not None
