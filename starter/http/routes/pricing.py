"""Prices over HTTP: quote a basket, and administer the price lists orders are priced
with. Every refusal carries a code."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from domain.errors import PRICING_CODES, ErrorCode
from domain.inputs import Moment
from domain.orders import Basket, Contract
from domain.quote import Quote
from starter.http.access import GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key
from starter.operations import price_lists, quotes

router = APIRouter(route_class=GuardedRoute)
NO_LIST = refusals(ErrorCode.PRICE_LIST_NOT_FOUND)
# Prices a list holds: each SKU once, known, at the currency's minor unit.
PRICES = (
    ErrorCode.PRICE_LIST_NOT_FOUND,
    ErrorCode.INVALID_BODY,
    ErrorCode.INVALID_AMOUNT,
    ErrorCode.UNKNOWN_SKU,
)


@router.post(
    "/quotes",
    response_model=Quote,
    tags=["pricing"],
    openapi_extra=refusals(*PRICING_CODES, ErrorCode.INVALID_VAT_ID),
)
async def quote(body: Basket, svc: Svc) -> Quote:
    """Price a basket as an order placed now would be priced, without placing it: lines,
    discounts, shipping, tax per rate and totals. Coupons are checked, not used."""
    return await run_in_threadpool(quotes.price_basket, svc.db, svc.settings, body)


@router.get("/price-lists", response_model=list[price_lists.PriceListSummary], tags=["pricing"])
async def list_price_lists(svc: Svc) -> list[price_lists.PriceListSummary]:
    return await run_in_threadpool(price_lists.list_all, svc.db)


@router.post(
    "/price-lists",
    response_model=price_lists.PriceListView,
    status_code=201,
    tags=["pricing"],
    openapi_extra=refusals(
        *PRICES,
        ErrorCode.UNKNOWN_CHANNEL,
        ErrorCode.UNSUPPORTED_CURRENCY,
        ErrorCode.PRICE_LIST_EXISTS,
        ErrorCode.OVERLAPPING_VALIDITY,
    ),
)
async def create_price_list(body: price_lists.NewPriceList, svc: Svc) -> price_lists.PriceListView:
    """A list for one channel (or none: every channel) and currency. Lists for the same
    channel and currency may follow each other but never overlap (`409 overlapping_validity`)."""
    return await run_in_threadpool(price_lists.create, svc.db, body, set(svc.settings.channels))


@router.get(
    "/price-lists/{code}", response_model=price_lists.PriceListView, tags=["pricing"], openapi_extra=NO_LIST
)
async def get_price_list(code: Key, svc: Svc) -> price_lists.PriceListView:
    return await run_in_threadpool(price_lists.get, svc.db, code)


@router.put(
    "/price-lists/{code}/prices",
    response_model=price_lists.PriceListView,
    tags=["pricing"],
    openapi_extra=refusals(*PRICES),
)
async def set_prices(code: Key, body: price_lists.Prices, svc: Svc) -> price_lists.PriceListView:
    """Add or change prices; SKUs not in the body keep theirs."""
    return await run_in_threadpool(price_lists.set_prices, svc.db, code, body)


@router.delete(
    "/price-lists/{code}/prices/{sku}",
    response_model=price_lists.PriceListView,
    tags=["pricing"],
    openapi_extra=refusals(ErrorCode.PRICE_LIST_NOT_FOUND, ErrorCode.SKU_NOT_FOUND),
)
async def remove_price(code: Key, sku: Key, svc: Svc) -> price_lists.PriceListView:
    return await run_in_threadpool(price_lists.remove_price, svc.db, code, sku)


class EndAt(Contract):
    at: Moment


@router.post(
    "/price-lists/{code}/end",
    response_model=price_lists.PriceListView,
    tags=["pricing"],
    openapi_extra=refusals(ErrorCode.PRICE_LIST_NOT_FOUND, ErrorCode.INVALID_BODY),
)
async def end_price_list(code: Key, body: EndAt, svc: Svc) -> price_lists.PriceListView:
    return await run_in_threadpool(price_lists.end, svc.db, code, body.at)
