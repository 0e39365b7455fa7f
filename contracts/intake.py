"""Inputs and outputs of the intake activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from contracts.step import Step
from domain.orders import AcceptedOrder, OrderRequest


class AcceptOrderInput(BaseModel):
    request: OrderRequest
    at: datetime


# The steps, by their activities' names.
ACCEPT_ORDER: Step[AcceptOrderInput, AcceptedOrder] = Step("accept_order", AcceptOrderInput, AcceptedOrder)
