"""Inputs and outputs of the notifications activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from contracts.step import Step


class NotifyInput(BaseModel):
    order_id: str
    kind: str
    reason: str | None = None
    charged: bool = False
    at: datetime
    # Tells apart messages of one kind for one order (e.g. one per parcel).
    subject_key: str | None = None
    # What the template shows besides the order (tracking number, amount, ...).
    context: dict[str, Any] = {}


# The steps, by their activities' names.
NOTIFY_CUSTOMER: Step[NotifyInput, None] = Step("notify_customer", NotifyInput, type(None))
