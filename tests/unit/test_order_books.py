"""What an order remembers of its returns, edits and cancellations: units sent back once,
retries answered the same, and every request to cancel answered together."""

from __future__ import annotations

import pytest

from domain.cancellations import CancellationBook
from domain.changes import (
    Cancellation,
    CancellationOutcome,
    ChangeLog,
    ChangeOutcome,
    ChangePlan,
    OrderChange,
)
from domain.errors import ErrorCode, OrdinoError
from domain.returns import ReturnStatus
from domain.returns_book import ReturnsBook
from domain.status import OrderStatus


def test_units_in_an_open_return_cannot_be_returned_twice_until_it_is_refused():
    book = ReturnsBook()
    first = book.open("O-1", "ret-a", {"MUG": 2})
    assert first.return_id == "O-1-R1" and first.returned_before == {"MUG": 0}
    assert book.left({"MUG": 3, "TEA": 1}) == {"MUG": 1, "TEA": 1}
    book.settle("O-1-R1", {"MUG": 2}, ReturnStatus.REJECTED, accepted={})
    assert book.left({"MUG": 3, "TEA": 1}) == {"MUG": 3, "TEA": 1}
    # Asked again, the units are valued after those already counted: shares never overlap.
    second = book.open("O-1", "ret-b", {"MUG": 3})
    assert second.return_id == "O-1-R2" and second.returned_before == {"MUG": 2}
    assert book.return_for("ret-a") == "O-1-R1" and not book.all_closed()


def test_a_received_return_keeps_its_units_and_counts_what_was_accepted_back():
    book = ReturnsBook()
    book.open("O-1", "ret-a", {"MUG": 2})
    book.settle("O-1-R1", {"MUG": 2}, ReturnStatus.CLOSED, accepted={"MUG": 1})
    assert book.left({"MUG": 2}) == {"MUG": 0}
    assert book.accepted_back == {"MUG": 1} and book.all_closed()


def whole(reference: str) -> Cancellation:
    return Cancellation(reference=reference, reason="customer asked", actor="support")


def test_requests_to_cancel_the_whole_order_join_one_round_and_a_refusal_answers_them_all():
    book = CancellationBook()
    first = book.ask_whole(whole("c-1"))
    assert book.ask_whole(whole("c-2")) == first and book.pending is not None
    assert book.pending.reference == "c-1"
    book.refuse_pending()
    assert book.was_refused(first) and book.pending is None
    later = book.ask_whole(whole("c-3"))
    assert later == first + 1 and not book.was_refused(later)


def test_what_the_customer_received_leaves_out_the_units_of_stopped_parcels():
    book = CancellationBook()
    book.units_stopped({"MUG": 2})
    book.units_stopped({"TEA": 1})
    assert book.received({"MUG": 2, "TEA": 3}) == {"TEA": 2}
    outcome = CancellationOutcome(reference="c-1", status=OrderStatus.SHIPPED)
    book.answered["c-1"] = outcome
    assert book.answer("c-1") == outcome and book.answer("c-2") is None


def test_a_used_change_reference_answers_the_same_and_refuses_a_different_change():
    log = ChangeLog()
    change = OrderChange(reference="e-1", lines=[{"sku": "MUG", "quantity": 1}], reason="fewer mugs")
    outcome = ChangeOutcome(reference="e-1", applied=True, plan=ChangePlan.model_construct())
    log.record(change, outcome)
    assert log.answer("e-1") == outcome and log.answer("e-2") is None
    log.check_same(change.model_copy(update={"preview": True}))
    with pytest.raises(OrdinoError) as refused:
        log.check_same(change.model_copy(update={"reason": "two mugs less"}))
    assert refused.value.code is ErrorCode.IDEMPOTENCY_CONFLICT
