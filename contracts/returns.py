"""Inputs and outputs of the returns activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from contracts.step import Step
from domain.orders import ShipmentBooked
from domain.quote import Quote
from domain.returns import (
    Decision,
    ReceiveReturn,
    ReturnRequest,
    ReturnStatus,
)


class OpenReturnInput(BaseModel):
    order_id: str
    return_id: str
    request: ReturnRequest
    approved: bool
    value: Decimal
    at: datetime


class DecideReturnInput(BaseModel):
    order_id: str
    return_id: str
    decision: Decision
    at: datetime


class ReturnStepInput(BaseModel):
    order_id: str
    return_id: str
    at: datetime


class ReceiveReturnInput(BaseModel):
    order_id: str
    return_id: str
    request: ReturnRequest
    receipt: ReceiveReturn
    at: datetime


class QuoteReplacementInput(BaseModel):
    order_id: str
    items: dict[str, int]
    at: datetime


class CloseReturnInput(BaseModel):
    order_id: str
    return_id: str
    status: ReturnStatus
    refunded: Decimal = Decimal(0)
    outcome: dict[str, Any] = {}
    reason: str | None = None
    at: datetime


class ShipReplacementInput(BaseModel):
    order_id: str
    return_id: str
    items: dict[str, int]
    at: datetime


# The steps, by their activities' names.
OPEN_RETURN: Step[OpenReturnInput, None] = Step("open_return", OpenReturnInput, type(None))
DECIDE_RETURN: Step[DecideReturnInput, None] = Step("decide_return", DecideReturnInput, type(None))
SEND_RETURN_LABEL: Step[ReturnStepInput, str] = Step("send_return_label", ReturnStepInput, str)
RECEIVE_RETURN: Step[ReceiveReturnInput, dict[str, int]] = Step(
    "receive_return", ReceiveReturnInput, dict[str, int]
)
QUOTE_REPLACEMENT: Step[QuoteReplacementInput, Quote] = Step(
    "quote_replacement", QuoteReplacementInput, Quote
)
SHIP_REPLACEMENT: Step[ShipReplacementInput, list[ShipmentBooked]] = Step(
    "ship_replacement", ShipReplacementInput, list[ShipmentBooked]
)
CLOSE_RETURN: Step[CloseReturnInput, None] = Step("close_return", CloseReturnInput, type(None))
