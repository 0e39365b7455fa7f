"""Tracking milestones only move a parcel forward, whatever order the carrier sends them in."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import pytest
from pydantic import ValidationError

from domain.tracking import JOURNEY, TrackingEvent, TrackingStatus, moves_forward

T = TrackingStatus


def test_journey_steps_each_move_forward():
    for current, incoming in pairwise((T.BOOKED, *JOURNEY)):
        assert moves_forward(current, incoming)
    assert JOURNEY[-1] is T.DELIVERED


@pytest.mark.parametrize("status", list(T))
def test_a_repeated_event_does_not_move(status):
    assert not moves_forward(status, status)


@pytest.mark.parametrize(
    ("current", "late"),
    [
        (T.DELIVERED, T.OUT_FOR_DELIVERY),
        (T.DELIVERED, T.PICKED_UP),
        (T.IN_TRANSIT, T.PICKED_UP),
        (T.PICKED_UP, T.BOOKED),
    ],
)
def test_late_events_never_move_backwards(current, late):
    assert not moves_forward(current, late)


def test_skipped_milestones_still_move_forward():
    assert moves_forward(T.BOOKED, T.DELIVERED)
    assert moves_forward(T.PICKED_UP, T.OUT_FOR_DELIVERY)


def test_tracking_event_contract():
    body = {
        "event_id": "ev-1",
        "tracking_number": "1Z999",
        "status": "in_transit",
        "occurred_at": datetime(2025, 1, 2, tzinfo=UTC).isoformat(),
    }
    assert TrackingEvent.model_validate(body).status is T.IN_TRANSIT
    for bad in ({"status": "teleported"}, {"event_id": ""}, {"carrier": "dhl"}):
        with pytest.raises(ValidationError):
            TrackingEvent.model_validate(body | bad)


def test_notices_apply_once_to_the_milestone_they_report_on():
    assert moves_forward(T.IN_TRANSIT, T.DELAYED)
    assert not moves_forward(T.DELAYED, T.DELAYED)
    assert not moves_forward(T.DELAYED, T.IN_TRANSIT)  # a late repeat of the milestone
    assert moves_forward(T.DELAYED, T.OUT_FOR_DELIVERY)
    assert moves_forward(T.OUT_FOR_DELIVERY, T.DELIVERY_ATTEMPTED)
    assert not moves_forward(T.OUT_FOR_DELIVERY, T.DELAYED)


@pytest.mark.parametrize("end", [T.DELIVERED, T.LOST, T.DAMAGED, T.RETURNED_TO_SENDER])
def test_nothing_follows_the_end_of_a_journey(end):
    assert moves_forward(T.IN_TRANSIT, end)
    assert not any(moves_forward(end, later) for later in T)
