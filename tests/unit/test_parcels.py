"""An order's parcels: what is still on its way, the status that makes, the next SLA
deadline, and which whole parcels a partial cancellation takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import ErrorCode, OrdinoError
from domain.parcels import Parcel, Parcels, parcels_holding
from domain.status import OrderStatus
from domain.tracking import TrackingStatus as T

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SLA = timedelta(days=5)


def two_parcels() -> Parcels:
    parcels = Parcels()
    parcels.add(Parcel("SBX2", "BER", booked_at=NOW + timedelta(hours=1)))
    parcels.add(Parcel("SBX1", "MIL", booked_at=NOW))
    return parcels


def test_the_order_is_delivered_once_every_parcel_that_matters_has_arrived():
    parcels = two_parcels()
    assert parcels.shipping_status() is OrderStatus.IN_TRANSIT
    parcels["SBX1"].status = T.DELIVERED
    assert parcels.shipping_status() is OrderStatus.PARTIALLY_DELIVERED
    parcels["SBX2"].status = T.LOST  # failed: still the order's business until settled
    assert parcels.shipping_status() is OrderStatus.PARTIALLY_DELIVERED
    parcels["SBX2"].resolved = True
    assert parcels.shipping_status() is OrderStatus.DELIVERED


def test_a_stopped_parcel_is_no_longer_on_its_way():
    parcels = two_parcels()
    parcels["SBX2"].stopped = True
    assert [p.tracking_number for p in parcels.on_their_way()] == ["SBX1"]
    parcels["SBX1"].status = T.DELIVERED
    assert parcels.shipping_status() is OrderStatus.DELIVERED


def test_each_parcel_is_late_once_past_its_sla():
    parcels = two_parcels()
    assert parcels.next_deadline(SLA) == NOW + SLA
    assert parcels.overdue(NOW + SLA, SLA) == [parcels["SBX1"]]
    parcels["SBX1"].late = True
    assert parcels.next_deadline(SLA) == NOW + SLA + timedelta(hours=1)
    parcels["SBX2"].status = T.DELIVERED
    assert parcels.next_deadline(SLA) is None and parcels.overdue(NOW + 2 * SLA, SLA) == []


def test_a_partial_cancellation_takes_the_fewest_whole_parcels_holding_exactly_those_units():
    travelling = {"SBX1": {"MUG": 1}, "SBX2": {"KETTLE": 2}, "SBX3": {"MUG": 1, "KETTLE": 2}}
    assert parcels_holding(travelling, {"MUG": 1, "KETTLE": 2}) == {"SBX3": {"MUG": 1, "KETTLE": 2}}
    assert parcels_holding(travelling, {"MUG": 1}) == {"SBX1": {"MUG": 1}}
    assert list(parcels_holding(travelling, {"MUG": 2, "KETTLE": 2})) == ["SBX1", "SBX3"]
    with pytest.raises(OrdinoError) as partial:
        parcels_holding(travelling, {"KETTLE": 1})
    assert partial.value.code is ErrorCode.PARTIAL_PARCEL
