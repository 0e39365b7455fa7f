"""Tax over HTTP: regions and their dated rates. A rate change is a new rate from a date,
so orders priced before it keep theirs."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from domain.errors import ErrorCode
from domain.inputs import Moment
from starter.http.access import GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key
from starter.operations import tax_rates

router = APIRouter(route_class=GuardedRoute)
NO_REGION = refusals(ErrorCode.TAX_REGION_NOT_FOUND)


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
