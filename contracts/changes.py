"""Inputs and outputs of the changes activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from contracts.step import Step
from domain.changes import ChangePlan, OrderChange


class PlanChangeInput(BaseModel):
    order_id: str
    change: OrderChange
    authorized: Decimal  # what the current authorization covers


class StopParcelInput(BaseModel):
    order_id: str
    tracking_number: str
    reason: str
    at: datetime


class ApplyChangeInput(BaseModel):
    order_id: str
    change: OrderChange
    plan: ChangePlan
    event: str = "order_changed"
    at: datetime


# The steps, by their activities' names.
PARCEL_CONTENTS: Step[str, dict[str, dict[str, int]]] = Step(
    "parcel_contents", str, dict[str, dict[str, int]]
)
STOP_PARCEL: Step[StopParcelInput, str] = Step("stop_parcel", StopParcelInput, str)
PLAN_CHANGE: Step[PlanChangeInput, ChangePlan] = Step("plan_change", PlanChangeInput, ChangePlan)
APPLY_CHANGE: Step[ApplyChangeInput, list[str]] = Step("apply_change", ApplyChangeInput, list[str])
