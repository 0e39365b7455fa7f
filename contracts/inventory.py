"""Inputs and outputs of the inventory activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from contracts.step import Step
from domain.fulfillment import Fulfillment


class ReleaseStockInput(BaseModel):
    order_id: str
    reason: str
    at: datetime


# The steps, by their activities' names.
RELEASE_STOCK: Step[ReleaseStockInput, None] = Step("release_stock", ReleaseStockInput, type(None))
PLAN_FULFILLMENTS: Step[str, list[Fulfillment]] = Step("plan_fulfillments", str, list[Fulfillment])
WAITING_BACKORDERS: Step[str, dict[str, int]] = Step("waiting_backorders", str, dict[str, int])
