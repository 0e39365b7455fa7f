"""The order state machine."""

from __future__ import annotations

from itertools import pairwise

import pytest

from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.status import TERMINAL, OrderStatus, can_move, check_move

S = OrderStatus
HAPPY_PATH = [
    S.RECEIVED,
    S.ACCEPTED,
    S.AUTHORIZED,
    S.CAPTURED,
    S.INVOICED,
    S.SHIPPED,
    S.IN_TRANSIT,
    S.IN_TRANSIT,
    S.DELIVERED,
    S.COMPLETED,
]


def test_happy_path_is_legal():
    for current, new in pairwise(HAPPY_PATH):
        check_move(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.RECEIVED, S.ACCEPTED),
        (S.RECEIVED, S.REJECTED),
        (S.ACCEPTED, S.CANCELLED),
        (S.AUTHORIZED, S.CANCELLED),
        (S.SHIPPED, S.DELIVERED),
        (S.IN_TRANSIT, S.IN_TRANSIT),
        (S.INVOICED, S.ON_HOLD),
        (S.ON_HOLD, S.SHIPPED),
        (S.IN_TRANSIT, S.PARTIALLY_DELIVERED),
        (S.PARTIALLY_DELIVERED, S.DELIVERED),
    ],
)
def test_legal_moves(current, new):
    assert can_move(current, new)
    check_move(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.RECEIVED, S.SHIPPED),
        (S.ACCEPTED, S.CAPTURED),
        (S.DELIVERED, S.IN_TRANSIT),
        (S.SHIPPED, S.INVOICED),
        (S.ACCEPTED, S.REJECTED),
        (S.RECEIVED, S.RECEIVED),
        (S.CANCELLED, S.ACCEPTED),
        (S.COMPLETED, S.DELIVERED),
        (S.ON_HOLD, S.COMPLETED),
        (S.PARTIALLY_DELIVERED, S.IN_TRANSIT),
    ],
)
def test_illegal_moves_raise_illegal_transition(current, new):
    assert not can_move(current, new)
    with pytest.raises(OrdinoError) as exc:
        check_move(current, new)
    assert exc.value.code == ErrorCode.ILLEGAL_TRANSITION
    assert HTTP_STATUS[exc.value.code] == 409
    assert str(current) in exc.value.message and str(new) in exc.value.message


def test_terminal_states():
    assert {S.COMPLETED, S.CANCELLED, S.REJECTED} == TERMINAL


@pytest.mark.parametrize("terminal", sorted(TERMINAL))
def test_nothing_leaves_a_terminal_state(terminal):
    assert not [s for s in S if can_move(terminal, s)]


@pytest.mark.parametrize("start", [s for s in S if s not in TERMINAL])
def test_every_open_state_can_still_reach_an_end(start):
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        for nxt in S:
            if can_move(current, nxt) and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen & TERMINAL
