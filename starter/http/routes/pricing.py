"""Prices, promotions and tax over HTTP: quote a basket, and administer price lists,
promotions and tax rates. Every refusal carries a code."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from domain.errors import PRICING_CODES, ErrorCode
from domain.inputs import Moment
from domain.orders import Basket, Contract
from domain.quote import Quote
from starter.http.dependencies import Svc
from starter.http.json_bodies import JsonBodyRoute
from starter.http.openapi import refusals
from starter.http.params import Key
from starter.operations import price_lists, promotions, quotes, tax_rates

router = APIRouter(route_class=JsonBodyRoute)
NO_LIST = refusals(ErrorCode.PRICE_LIST_NOT_FOUND)
# Prices a list holds: each SKU once, known, at the currency's minor unit.
PRICES = (
    ErrorCode.PRICE_LIST_NOT_FOUND,
    ErrorCode.INVALID_BODY,
    ErrorCode.INVALID_AMOUNT,
    ErrorCode.UNKNOWN_SKU,
)
NO_PROMOTION = refusals(ErrorCode.PROMOTION_NOT_FOUND)
NO_REGION = refusals(ErrorCode.TAX_REGION_NOT_FOUND)


@router.post("/quotes", response_model=Quote, tags=["pricing"], openapi_extra=refusals(*PRICING_CODES))
async def quote(body: Basket, svc: Svc) -> Quote:
    """Price a basket as an order placed now would be priced, without placing it: lines,
    discounts, shipping, tax per rate and totals. Coupons are checked, not used."""
    return await run_in_threadpool(quotes.price_basket, svc.db, svc.settings, body)


# --- price lists -------------------------------------------------------------------


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


# --- promotions --------------------------------------------------------------------


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


# --- tax ---------------------------------------------------------------------------


@router.get("/tax/regions", response_model=list[tax_rates.TaxRegionView], tags=["tax"])
async def list_tax_regions(svc: Svc, at: Moment | None = None) -> list[tax_rates.TaxRegionView]:
    """Every region with the rates in force now (or at `at`)."""
    return await run_in_threadpool(tax_rates.regions, svc.db, at)


@router.post(
    "/tax/regions",
    response_model=tax_rates.TaxRegionView,
    status_code=201,
    tags=["tax"],
    openapi_extra=refusals(ErrorCode.TAX_REGION_EXISTS),
)
async def create_tax_region(body: tax_rates.NewTaxRegion, svc: Svc) -> tax_rates.TaxRegionView:
    return await run_in_threadpool(tax_rates.create_region, svc.db, body)


@router.get(
    "/tax/regions/{code}", response_model=tax_rates.TaxRegionView, tags=["tax"], openapi_extra=NO_REGION
)
async def get_tax_region(code: Key, svc: Svc, at: Moment | None = None) -> tax_rates.TaxRegionView:
    return await run_in_threadpool(tax_rates.region, svc.db, code, at)


@router.get(
    "/tax/regions/{code}/rates",
    response_model=list[tax_rates.TaxRateView],
    tags=["tax"],
    openapi_extra=NO_REGION,
)
async def list_tax_rates(code: Key, svc: Svc) -> list[tax_rates.TaxRateView]:
    """The region's rates over time, past and future included."""
    return await run_in_threadpool(tax_rates.rates, svc.db, code)


@router.post(
    "/tax/regions/{code}/rates",
    response_model=tax_rates.TaxRateView,
    status_code=201,
    tags=["tax"],
    openapi_extra=refusals(
        ErrorCode.TAX_REGION_NOT_FOUND, ErrorCode.INVALID_BODY, ErrorCode.OVERLAPPING_VALIDITY
    ),
)
async def add_tax_rate(code: Key, body: tax_rates.NewTaxRate, svc: Svc) -> tax_rates.TaxRateView:
    """A rate from a date. Overlapping an existing rate is `409 overlapping_validity`, unless
    `supersede` ends the rate in force at that date."""
    return await run_in_threadpool(tax_rates.add_rate, svc.db, code, body)
