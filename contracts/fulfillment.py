"""Inputs and outputs of the fulfillment activities: what workflows send and get back."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from contracts.step import Step


class OpenFulfillmentsInput(BaseModel):
    order_id: str
    at: datetime


class PackedInput(BaseModel):
    order_id: str
    warehouse: str
    actor: str
    at: datetime


class ParcelPacked(BaseModel):
    warehouse: str
    weight_grams: int


# The steps, by their activities' names.
OPEN_FULFILLMENTS: Step[OpenFulfillmentsInput, list[str]] = Step(
    "open_fulfillments", OpenFulfillmentsInput, list[str]
)
CONFIRM_PACKED: Step[PackedInput, ParcelPacked] = Step("confirm_packed", PackedInput, ParcelPacked)
PACKED_PARCELS: Step[str, list[ParcelPacked]] = Step("packed_parcels", str, list[ParcelPacked])
