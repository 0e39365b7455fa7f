"""Edits and cancellations over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Response

from domain.changes import Cancellation, CancellationOutcome, ChangeOutcome, OrderChange
from domain.errors import PRICING_CODES, ErrorCode
from starter.http.access import Caller, GuardedRoute, acting
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import OrderId
from starter.operations import changes

router = APIRouter(tags=["changes"], route_class=GuardedRoute)
# An update of the order's workflow: refused by its validator, or by what it finds.
_UPDATE = (ErrorCode.ORDER_NOT_FOUND, ErrorCode.ORDER_CLOSED, ErrorCode.IDEMPOTENCY_CONFLICT)


@router.post(
    "/orders/{order_id}/changes",
    status_code=201,
    response_model=ChangeOutcome,
    responses={200: {"model": ChangeOutcome, "description": "A preview: nothing changed"}},
    openapi_extra=refusals(
        *_UPDATE,
        *PRICING_CODES,
        ErrorCode.INVALID_BODY,
        ErrorCode.NOT_EDITABLE,
        ErrorCode.ALREADY_PACKED,
        ErrorCode.ALREADY_DELIVERED,
        ErrorCode.INSUFFICIENT_STOCK,
        ErrorCode.PAYMENT_DECLINED,
        ErrorCode.EMPTY_ORDER,
    ),
)
async def change(
    order_id: OrderId, body: OrderChange, svc: Svc, caller: Caller, response: Response
) -> ChangeOutcome:
    """Change the shipping address, quantities or lines (a new SKU adds one, quantity 0
    removes one) while no parcel is packed. Priced as when the order was placed; a larger
    total takes a new authorization first. `preview: true` answers the new totals, the stock
    and the payment effect (200) and changes nothing. The reference makes it idempotent."""
    outcome = await changes.change(svc.client, svc.db, order_id, acting(body, caller))
    if not outcome.applied:
        response.status_code = 200
    return outcome


@router.post(
    "/orders/{order_id}/cancellations",
    status_code=201,
    response_model=CancellationOutcome,
    openapi_extra=refusals(
        *_UPDATE,
        *PRICING_CODES,
        ErrorCode.NOT_EDITABLE,
        ErrorCode.ALREADY_PACKED,
        ErrorCode.ALREADY_DELIVERED,
        ErrorCode.ILLEGAL_TRANSITION,
        ErrorCode.ORDER_BUSY,
        ErrorCode.PARTIAL_PARCEL,
        ErrorCode.EMPTY_ORDER,
        ErrorCode.QUANTITY_EXCEEDS_ORDERED,
        ErrorCode.INSUFFICIENT_STOCK,
        ErrorCode.PAYMENT_DECLINED,
    ),
)
async def cancel(order_id: OrderId, body: Cancellation, svc: Svc, caller: Caller) -> CancellationOutcome:
    """Cancel the whole order (no `lines`) at any stage before delivery: stock released, the
    authorization voided or the capture refunded with credit notes, parcels not yet picked up
    cancelled and the others recalled. With `lines`, cancel some units while nothing is
    packed. A reason is required; the audit trail records who and why."""
    return await changes.cancel(svc.client, svc.db, order_id, acting(body, caller))
