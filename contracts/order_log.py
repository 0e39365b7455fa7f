"""Inputs and outputs of the order log activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from contracts.step import Step
from domain.orders import SYSTEM_ACTOR
from domain.status import OrderStatus


class RecordEventInput(BaseModel):
    order_id: str
    key: str
    type: str
    status: OrderStatus | None
    at: datetime
    actor: str = SYSTEM_ACTOR
    reason: str | None = None
    data: dict[str, Any] = {}


# The steps, by their activities' names.
RECORD_EVENT: Step[RecordEventInput, None] = Step("record_event", RecordEventInput, type(None))
