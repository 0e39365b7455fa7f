"""Shipping over HTTP: warehouses confirm packed parcels, support corrects an address the
carrier refused and retries a parked step, customers follow a parcel."""

from __future__ import annotations

from fastapi import APIRouter, Response

from contracts.fulfillment import ParcelPacked
from db import shipping_views as views
from domain.errors import ErrorCode, OrdinoError
from domain.orders import (
    AddressCorrection,
    PackConfirmation,
    ParkedStepRetry,
    RetriedStep,
    WarehouseCode,
)
from starter.http.access import Caller, GuardedRoute, acting
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key, OrderId
from starter.http.routes.invoices import PDF
from starter.operations import shipping
from starter.operations.sessions import read_one

router = APIRouter(tags=["shipping"], route_class=GuardedRoute)
NO_PARCEL = refusals(ErrorCode.SHIPMENT_NOT_FOUND)


@router.post(
    "/orders/{order_id}/fulfillments/{warehouse}/packed",
    response_model=ParcelPacked,
    openapi_extra=refusals(
        ErrorCode.ORDER_NOT_FOUND,
        ErrorCode.ORDER_CLOSED,
        ErrorCode.NOT_PACKING,
        ErrorCode.UNKNOWN_FULFILLMENT,
    ),
)
async def packed(
    order_id: OrderId,
    warehouse: WarehouseCode,
    svc: Svc,
    caller: Caller,
) -> ParcelPacked:
    """A warehouse has picked and packed its parcel of the order (idempotent); answers with
    the parcel's weight from product data."""
    body = PackConfirmation(warehouse=warehouse, actor=caller.actor)
    return await shipping.confirm_packed(svc.client, svc.db, order_id, body)


@router.put(
    "/orders/{order_id}/shipping-address",
    status_code=204,
    openapi_extra=refusals(ErrorCode.ORDER_NOT_FOUND, ErrorCode.ORDER_CLOSED, ErrorCode.ADDRESS_LOCKED),
)
async def correct_address(order_id: OrderId, body: AddressCorrection, svc: Svc, caller: Caller) -> Response:
    """Support corrects the address of an order on hold because the carrier refused it; the
    order books its parcels again."""
    await shipping.correct_address(svc.client, svc.db, order_id, acting(body, caller))
    return Response(status_code=204)


@router.get("/shipments/{tracking_number}", response_model=views.ParcelView, openapi_extra=NO_PARCEL)
async def shipment(tracking_number: Key, svc: Svc) -> views.ParcelView:
    """Where a parcel is: what the customer's tracking link shows."""
    missing = OrdinoError(ErrorCode.SHIPMENT_NOT_FOUND, f"No parcel {tracking_number}")
    return await read_one(svc.db, missing, views.parcel, tracking_number)


@router.get(
    "/shipments/{tracking_number}/label.pdf", response_class=Response, responses=PDF, openapi_extra=NO_PARCEL
)
async def label(tracking_number: Key, svc: Svc) -> Response:
    missing = OrdinoError(ErrorCode.SHIPMENT_NOT_FOUND, f"No label for parcel {tracking_number}")
    pdf = await read_one(svc.db, missing, views.label, tracking_number)
    return Response(pdf, media_type="application/pdf")


@router.post(
    "/orders/{order_id}/retry",
    response_model=RetriedStep,
    openapi_extra=refusals(ErrorCode.ORDER_NOT_FOUND, ErrorCode.ORDER_CLOSED, ErrorCode.NOT_PARKED),
)
async def retry_parked(order_id: OrderId, body: ParkedStepRetry, svc: Svc, caller: Caller) -> RetriedStep:
    """Support fixed what a parked step (alert `step_parked`) kept failing on: the order runs it
    again. `409 not_parked` when the order is not parked."""
    step = await shipping.retry_parked(svc.client, svc.db, order_id, caller.actor)
    return RetriedStep(order_id=order_id, step=step)
