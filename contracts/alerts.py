"""Inputs and outputs of the alerts activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from contracts.step import Step


class ResolveAlertsInput(BaseModel):
    order_id: str
    keys: list[str]
    reason: str
    at: datetime


# The steps, by their activities' names.
RESOLVE_ALERTS: Step[ResolveAlertsInput, list[str]] = Step("resolve_alerts", ResolveAlertsInput, list[str])
