"""Returns over HTTP: request one for an order, approve or reject it, book its parcel in
at the warehouse, and see where each stands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from db import return_views as views
from domain.errors import ErrorCode
from domain.orders import Contract
from domain.returns import Decision, Note, ReceiveReturn, ReturnRequest, ReturnStatus
from starter.http.access import Caller, GuardedRoute, acting
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key, OrderId
from starter.operations import returns
from starter.operations.sessions import read

router = APIRouter(tags=["returns"], route_class=GuardedRoute)
NOT_FOUND = refusals(ErrorCode.RETURN_NOT_FOUND)
# An update of the return's workflow: refused when the return is past that step.
DECISION = refusals(ErrorCode.RETURN_NOT_FOUND, ErrorCode.ILLEGAL_TRANSITION)


@router.post(
    "/orders/{order_id}/returns",
    status_code=201,
    response_model=views.ReturnView,
    openapi_extra=refusals(
        ErrorCode.ORDER_NOT_FOUND,
        ErrorCode.NOT_DELIVERED,
        ErrorCode.RETURN_WINDOW_CLOSED,
        ErrorCode.NOT_IN_ORDER,
        ErrorCode.QUANTITY_EXCEEDS_RETURNABLE,
        ErrorCode.IDEMPOTENCY_CONFLICT,
        ErrorCode.UNKNOWN_SKU,
        ErrorCode.PRICE_MISSING,
    ),
)
async def request_return(
    order_id: OrderId, body: ReturnRequest, svc: Svc, caller: Caller
) -> views.ReturnView:
    """Lines and quantities to send back, each with a reason; `resolution` refund or
    exchange (`exchange_sku` for another product). Only after delivery and within the
    channel's return window; the reference makes it idempotent."""
    return await returns.request(svc.client, svc.db, order_id, acting(body, caller))


@router.get("/orders/{order_id}/returns", response_model=list[views.ReturnView])
async def returns_of_order(order_id: OrderId, svc: Svc) -> list[views.ReturnView]:
    return await read(svc.db, views.returns_of, order_id)


@router.get("/returns", response_model=list[views.ReturnView])
async def open_returns(
    svc: Svc, status: ReturnStatus | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[views.ReturnView]:
    """Returns waiting for support, oldest first: `status=requested` those waiting for a
    decision, `approved` those waiting for their parcel, `received` those being settled."""
    return await read(svc.db, views.open_returns, limit, status)


@router.get("/returns/{return_id}", response_model=views.ReturnView, openapi_extra=NOT_FOUND)
async def get_return(return_id: Key, svc: Svc) -> views.ReturnView:
    return await returns.view(svc.db, return_id)


class DecisionBody(Contract):
    reason: Note | None = None


@router.post("/returns/{return_id}/approve", response_model=views.ReturnView, openapi_extra=DECISION)
async def approve(return_id: Key, body: DecisionBody, svc: Svc, caller: Caller) -> views.ReturnView:
    """Approve a return the rules left to support; the customer gets a return label."""
    decision = Decision(approve=True, reason=body.reason, actor=caller.actor)
    return await returns.decide(svc.client, svc.db, return_id, decision)


@router.post("/returns/{return_id}/reject", response_model=views.ReturnView, openapi_extra=DECISION)
async def reject(return_id: Key, body: DecisionBody, svc: Svc, caller: Caller) -> views.ReturnView:
    decision = Decision(approve=False, reason=body.reason, actor=caller.actor)
    return await returns.decide(svc.client, svc.db, return_id, decision)


@router.post(
    "/returns/{return_id}/receive",
    response_model=views.ReturnView,
    openapi_extra=refusals(
        ErrorCode.RETURN_NOT_FOUND,
        ErrorCode.ILLEGAL_TRANSITION,
        ErrorCode.RETURN_MISMATCH,
        ErrorCode.UNKNOWN_WAREHOUSE,
        ErrorCode.INSUFFICIENT_STOCK,
    ),
)
async def receive(return_id: Key, body: ReceiveReturn, svc: Svc, caller: Caller) -> views.ReturnView:
    """The warehouse books the parcel in with an inspection outcome per item (resellable:
    restocked; damaged: written off); answers once the refund or replacement is done."""
    return await returns.receive(svc.client, svc.db, return_id, acting(body, caller))
