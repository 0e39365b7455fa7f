"""Which alerts a person may resolve by hand: not a parked step while the order can still
retry it, not a refused address while the order is on hold for it; everything else."""

from __future__ import annotations

import pytest

from domain.alerts import AlertKind, Fix, standing_fix
from domain.status import TERMINAL, OrderStatus


@pytest.mark.parametrize("status", list(OrderStatus))
def test_a_parked_step_waits_for_its_retry_while_the_order_is_open(status):
    expected = None if status in TERMINAL else Fix.RETRY_STEP
    assert standing_fix(AlertKind.STEP_PARKED, status) is expected


@pytest.mark.parametrize("status", list(OrderStatus))
def test_a_refused_address_waits_for_its_correction_while_on_hold(status):
    expected = Fix.CORRECT_ADDRESS if status is OrderStatus.ON_HOLD else None
    assert standing_fix(AlertKind.UNDELIVERABLE_ADDRESS, status) is expected


@pytest.mark.parametrize(
    "kind", sorted(set(AlertKind) - {AlertKind.STEP_PARKED, AlertKind.UNDELIVERABLE_ADDRESS})
)
def test_records_and_reminders_are_resolved_by_a_person(kind):
    assert all(standing_fix(kind, status) is None for status in OrderStatus)
