"""Promotions and coupons over HTTP: create them, pause or end them, see how often each was
used."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from domain.errors import ErrorCode
from starter.http.access import GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key
from starter.operations import promotions

router = APIRouter(route_class=GuardedRoute)
NO_PROMOTION = refusals(ErrorCode.PROMOTION_NOT_FOUND)


@router.get("/promotions", response_model=list[promotions.PromotionView], tags=["pricing"])
async def list_promotions(svc: Svc) -> list[promotions.PromotionView]:
    return await run_in_threadpool(promotions.list_all, svc.db)


@router.post(
    "/promotions",
    response_model=promotions.PromotionView,
    status_code=201,
    tags=["pricing"],
    openapi_extra=refusals(
        ErrorCode.UNKNOWN_CHANNEL,
        ErrorCode.UNSUPPORTED_CURRENCY,
        ErrorCode.INVALID_AMOUNT,
        ErrorCode.INVALID_BODY,
        ErrorCode.UNKNOWN_SKU,
        ErrorCode.PROMOTION_EXISTS,
    ),
)
async def create_promotion(body: promotions.NewPromotion, svc: Svc) -> promotions.PromotionView:
    return await run_in_threadpool(promotions.create, svc.db, body, set(svc.settings.channels))


@router.get(
    "/promotions/{code}",
    response_model=promotions.PromotionView,
    tags=["pricing"],
    openapi_extra=NO_PROMOTION,
)
async def get_promotion(code: Key, svc: Svc) -> promotions.PromotionView:
    return await run_in_threadpool(promotions.get, svc.db, code)


@router.patch(
    "/promotions/{code}",
    response_model=promotions.PromotionView,
    tags=["pricing"],
    openapi_extra=refusals(ErrorCode.PROMOTION_NOT_FOUND, ErrorCode.INVALID_BODY, ErrorCode.INVALID_AMOUNT),
)
async def change_promotion(code: Key, body: promotions.PromotionChange, svc: Svc) -> promotions.PromotionView:
    """Pause or resume (`active`), end (`valid_to`) or change a coupon's usage limit."""
    return await run_in_threadpool(promotions.change, svc.db, code, body)
