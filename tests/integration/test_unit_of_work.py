"""The unit of work's guard against real PostgreSQL: a key runs its effect once and every
later run answers what the first did; an effect that fails leaves neither its writes nor its
guard, so the retry runs it; concurrent runs of a key wait for the first and get its answer;
an outside call is not made again once its result is booked."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from activities.intake import IntakeActivities
from contracts.intake import AcceptOrderInput
from db.models import Effect, OrderEvent
from db.unit_of_work import UnitOfWork, call_once, run_once, unit_of_work
from domain.orders import PlaceOrder
from tests.support.bodies import order_body

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


class Answer(BaseModel):
    amount: Decimal
    at: datetime
    notes: list[str]


@pytest.fixture
def order_id(db, settings, catalog) -> str:
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 5}), 1)]))
    return IntakeActivities(db, settings).accept_order(AcceptOrderInput(request=request, at=NOW)).order_id


def events(db, order_id: str, key: str) -> int:
    with db.reader() as s:
        return s.scalar(select(func.count()).where(OrderEvent.order_id == order_id, OrderEvent.key == key))


def guarded(db, order_id: str, key: str) -> bool:
    with db.reader() as s:
        return s.get(Effect, (order_id, key)) is not None


class CountedEffect:
    """An effect that counts its runs and appends an order event; it can fail on request."""

    def __init__(self, order_id: str, key: str, fail: bool = False, pause: float = 0) -> None:
        self.order_id, self.key, self.fail, self.pause = order_id, key, fail, pause
        self.runs = 0
        self._lock = threading.Lock()

    def __call__(self, uow: UnitOfWork) -> Answer:
        with self._lock:
            self.runs += 1
        uow.record(self.order_id, self.key, "support_note", None, NOW, data={"run": self.runs})
        time.sleep(self.pause)
        if self.fail:
            raise RuntimeError("the effect broke after it wrote")
        return Answer(amount=Decimal("12.30"), at=NOW, notes=[f"run {self.runs}"])


def test_a_second_run_does_nothing_and_answers_what_the_first_did(db, order_id):
    effect = CountedEffect(order_id, "uow:twice")
    first = run_once(db, order_id, "uow:twice", Answer, effect)
    again = run_once(db, order_id, "uow:twice", Answer, effect)
    assert effect.runs == 1
    assert again == first == Answer(amount=Decimal("12.30"), at=NOW, notes=["run 1"])
    assert events(db, order_id, "uow:twice") == 1
    with db.reader() as s:
        assert UnitOfWork(s).answers(order_id, ["uow:twice", "uow:never"], Answer) == {"uow:twice": first}


def test_an_effect_that_answers_nothing_runs_once_too(db, order_id):
    runs: list[int] = []
    for _ in range(3):
        assert run_once(db, order_id, "uow:none", None, lambda uow: runs.append(1)) is None
    assert runs == [1]


def test_a_failure_rolls_back_the_effect_and_its_guard_together(db, order_id):
    broken = CountedEffect(order_id, "uow:fails", fail=True)
    with pytest.raises(RuntimeError):
        run_once(db, order_id, "uow:fails", Answer, broken)
    assert (events(db, order_id, "uow:fails"), guarded(db, order_id, "uow:fails")) == (0, False)
    # The retry finds no guard, so it runs the effect, whose writes now stay with their guard.
    fixed = CountedEffect(order_id, "uow:fails")
    assert run_once(db, order_id, "uow:fails", Answer, fixed).notes == ["run 1"]
    assert (events(db, order_id, "uow:fails"), guarded(db, order_id, "uow:fails")) == (1, True)


def test_concurrent_runs_of_a_key_wait_for_the_first_and_get_its_answer(db, order_id):
    effect = CountedEffect(order_id, "uow:race", pause=0.3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: run_once(db, order_id, "uow:race", Answer, effect), range(8)))
    assert effect.runs == 1
    assert all(a == answers[0] for a in answers)
    assert events(db, order_id, "uow:race") == 1


def test_keys_are_per_order_and_effects_in_one_unit_commit_together(db, order_id, settings, catalog):
    other = IntakeActivities(db, settings).accept_order(
        AcceptOrderInput(request=PlaceOrder.model_validate(order_body([(catalog({"MIL": 1}), 1)])), at=NOW)
    )
    for owner in (order_id, other.order_id):
        run_once(db, owner, "uow:shared", Answer, CountedEffect(owner, "uow:shared"))
    assert events(db, other.order_id, "uow:shared") == events(db, order_id, "uow:shared") == 1
    with pytest.raises(RuntimeError), unit_of_work(db) as uow:
        uow.once(order_id, "uow:one", Answer, lambda: CountedEffect(order_id, "uow:one")(uow))
        uow.once(order_id, "uow:two", Answer, lambda: CountedEffect(order_id, "uow:two", fail=True)(uow))
    assert not guarded(db, order_id, "uow:one") and events(db, order_id, "uow:one") == 0


def test_an_outside_call_is_not_made_again_once_its_result_is_booked(db, order_id):
    calls: list[str] = []

    def call() -> str:
        calls.append("called")
        return "REF-1"

    def book(uow: UnitOfWork, reference: str) -> Answer:
        uow.record(order_id, "uow:call", "support_note", None, NOW, data={"reference": reference})
        return Answer(amount=Decimal(1), at=NOW, notes=[reference])

    def broken_book(uow: UnitOfWork, reference: str) -> Answer:
        raise RuntimeError("crashed before the booking committed")

    with pytest.raises(RuntimeError):
        call_once(db, order_id, "uow:call", Answer, call, broken_book)
    # Not booked: the retry calls again (the provider, keyed, answers as before) and books.
    first = call_once(db, order_id, "uow:call", Answer, call, book)
    again = call_once(db, order_id, "uow:call", Answer, call, book)
    assert calls == ["called", "called"]
    assert again == first and first.notes == ["REF-1"]
    assert events(db, order_id, "uow:call") == 1
