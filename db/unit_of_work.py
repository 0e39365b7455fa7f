"""The one way an activity writes to PostgreSQL: a unit of work, which is one transaction.

It owns the idempotency guard and the order-event append:

- `once(order_id, key, answer, effect)` runs an effect at most once per key. The first run
  claims the key (a concurrent run of the same key waits on that claim, then reads what the
  first run answered), writes, and stores its answer with the claim; every later run does
  nothing and gets that answer back. The claim, the effect's writes and its order events
  commit together or not at all, so a failure or a crash leaves no guard without its effect
  and no effect without its guard.
- `record(...)` appends an order event (db/order_log.py), keyed, in the same transaction.

An effect with an outside call that cannot join the transaction (the gateway, the carrier)
goes through `call_once`: a key already run answers from its guard without calling out;
otherwise the call goes out under an idempotency key the provider honours, so a repeat gets
the provider's first result, and that result is booked under the guard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar, cast

from pydantic import TypeAdapter
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db import order_log
from db.engine import Database
from db.models import Effect, Order
from domain.status import OrderStatus

A = TypeVar("A")
R = TypeVar("R")


# Built once: every activity runs these, and a statement built anew is planned anew by
# SQLAlchemy (its cache key); run on the session's connection, they skip the ORM's layers.
_EFFECTS = cast(Table, Effect.__table__)
_CLAIM = (
    insert(_EFFECTS)
    .values(order_id=bindparam("o"), key=bindparam("k"))
    .on_conflict_do_nothing()
    .returning(_EFFECTS.c.key)
)
_STORE = (
    update(_EFFECTS)
    .where(_EFFECTS.c.order_id == bindparam("o"), _EFFECTS.c.key == bindparam("k"))
    .values(answer=bindparam("answer"))
)
_ANSWER = select(_EFFECTS.c.answer).where(
    _EFFECTS.c.order_id == bindparam("o"), _EFFECTS.c.key == bindparam("k")
)
_ANSWERS = select(_EFFECTS.c.key, _EFFECTS.c.answer).where(
    _EFFECTS.c.order_id == bindparam("o"), _EFFECTS.c.key.in_(bindparam("keys", expanding=True))
)


@cache
def _adapter(answer: Any) -> TypeAdapter[Any]:
    # An answer is what the activity returns: a model, or a type such as list[str] or None.
    return TypeAdapter(answer)


@dataclass(frozen=True)
class Answered(Generic[A]):
    """What the first run of a key answered (a box, since an answer may be None)."""

    answer: A


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session

    def once(self, order_id: str, key: str, answer: Any, effect: Callable[[], A]) -> A:
        """Run `effect` unless this key ran before; answer what its first run answered.
        `answer` is the answer's type, to store it and read it back."""
        guard = {"o": order_id, "k": key}
        claimed = self.session.connection().execute(_CLAIM, guard).scalar_one_or_none()
        if claimed is None:
            done = self.answered(order_id, key, answer)
            assert done is not None, f"effect {key} of {order_id} is claimed twice in one transaction"
            return cast(A, done.answer)  # stored as the type it was asked for
        result = effect()
        stored = _adapter(answer).dump_python(result, mode="json")
        self.session.connection().execute(_STORE, {**guard, "answer": stored})
        return result

    def answered(self, order_id: str, key: str, answer: Any) -> Answered[Any] | None:
        """What the run of this key that committed answered; None if none did."""
        row = self.session.connection().execute(_ANSWER, {"o": order_id, "k": key}).one_or_none()
        return None if row is None else Answered(_adapter(answer).validate_python(row.answer))

    def answers(self, order_id: str, keys: Iterable[str], answer: Any) -> dict[str, Any]:
        """key -> what its run answered, for the keys that ran (one query for many)."""
        rows = self.session.connection().execute(_ANSWERS, {"o": order_id, "keys": list(keys)}).all()
        return {key: _adapter(answer).validate_python(stored) for key, stored in rows}

    def record(
        self,
        order_id: str,
        key: str,
        type: str,
        status: OrderStatus | None,
        at: datetime,
        *,
        actor: str = order_log.SYSTEM,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Append an order event (and move the order to `status`, unless None); False if an
        event with this key was recorded before."""
        return order_log.append_event(self.session, order_id, key, type, status, at, actor, reason, data)

    def order(self, order_id: str, *, lock: bool = False) -> Order:
        """The order's row, locked for this transaction if asked; it must exist."""
        order = self.session.get(Order, order_id, with_for_update=lock)
        assert order is not None, f"order {order_id} has no row"
        return order


@contextmanager
def unit_of_work(db: Database) -> Iterator[UnitOfWork]:
    """One transaction: everything done through it commits together or not at all."""
    with db.transaction() as session:
        yield UnitOfWork(session)


def run_once(db: Database, order_id: str, key: str, answer: Any, effect: Callable[[UnitOfWork], A]) -> A:
    """The usual shape of an activity: one unit of work running one guarded effect."""
    with unit_of_work(db) as uow:
        return uow.once(order_id, key, answer, lambda: effect(uow))


def call_once(
    db: Database,
    order_id: str,
    key: str,
    answer: Any,
    call: Callable[[], R],
    book: Callable[[UnitOfWork, R], A],
) -> A:
    """An effect with an outside call: answered from the guard if the key ran, else `call`
    (which must pass an idempotency key derived from `key` to its provider), then `book` of
    its result under the guard. Two runs racing may both call; the provider answers both
    alike, and only the first booking counts."""
    with db.reader() as session:
        done = UnitOfWork(session).answered(order_id, key, answer)
    if done is not None:
        return cast(A, done.answer)  # stored as the type it was asked for
    result = call()
    with unit_of_work(db) as uow:
        return uow.once(order_id, key, answer, lambda: book(uow, result))
