"""Recorded workflow histories: what today's code must replay. Orders live for weeks, so
each release keeps the histories of the flows it runs (see docs/operations.md, Releases).

Record them from the current code with: ORDINO_RECORD_HISTORIES=1 ./test.sh tests/workflows
(an existing file is never overwritten: it stands for the code that made it)."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.client import WorkflowHandle

HISTORIES = Path(__file__).resolve().parents[1] / "histories"

# The flows a release must replay; the replay test fails while one is missing.
REQUIRED = frozenset({
    "order_completed",  # one parcel, delivered, feedback asked for, window closed
    "order_split",  # two warehouses: captured, invoiced, booked and delivered per parcel
    "order_changed",  # an edit while packing, with a larger authorization
    "order_cancelled_partly",  # one parcel on its way stopped and refunded, the other delivered
    "order_cancelled",  # a whole cancellation after shipping: parcels stopped or recalled, refunded
    "order_returned",  # the order side of a return
    "return_refunded",  # a return child: received, restocked, refunded with a credit note
    "return_exchanged",  # a return child: a replacement shipped, the difference charged
    "order_backorder_filled",  # waited for stock, then went on
    "order_paid_3ds",  # a pending payment settled by the provider's webhook
    "order_parcel_lost_reshipped",  # a lost parcel sent again
    "order_parcel_damaged_refunded",  # a damaged parcel refunded
    "order_parcel_late",  # past the delivery SLA
    "order_held_for_address",  # on hold until support corrected the address
    "order_declined",  # the payment declined: cancelled
})  # fmt: skip


async def record_history(handle: WorkflowHandle, name: str) -> None:
    """With ORDINO_RECORD_HISTORIES=1, keep this run's history for the replay test."""
    assert name in REQUIRED, f"{name} is not a history the replay test asks for"
    path = HISTORIES / f"{name}.json"
    if os.environ.get("ORDINO_RECORD_HISTORIES") and not path.exists():
        history = await handle.fetch_history()
        path.write_text(history.to_json())
