"""Inventory over HTTP: stock, the ledger, receipts, adjustments and what to reorder."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from db import inventory_views as views
from domain.errors import ErrorCode, OrdinoError
from domain.orders import SkuCode, WarehouseCode
from starter.http.access import GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key, Offset
from starter.operations import inventory
from starter.operations.sessions import read, read_one

router = APIRouter(prefix="/inventory", tags=["inventory"], route_class=GuardedRoute)
NO_SKU = refusals(ErrorCode.SKU_NOT_FOUND)
# Booking stock: unknown places and products, and never below zero.
BOOKING = refusals(ErrorCode.UNKNOWN_WAREHOUSE, ErrorCode.UNKNOWN_SKU, ErrorCode.NEGATIVE_STOCK)


@router.get("", response_model=list[views.StockRow])
async def list_stock(
    svc: Svc, sku: Key | None = None, warehouse: Key | None = None, low_stock: bool = False
) -> list[views.StockRow]:
    """Stock per SKU and warehouse; `low_stock=true` keeps rows at or below their reorder point."""
    return await read(svc.db, views.stock_rows, sku, warehouse, low_stock)


@router.get("/replenishment", response_model=list[views.ReplenishmentRow])
async def replenishment(svc: Svc) -> list[views.ReplenishmentRow]:
    """What to reorder, with suggested quantities that include open backorders."""
    return await read(svc.db, views.replenishment)


@router.get("/alerts", response_model=list[views.AlertRow])
async def alerts(svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[views.AlertRow]:
    return await read(svc.db, views.alerts, limit)


@router.get("/backorders", response_model=list[views.BackorderRow])
async def backorders(svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[views.BackorderRow]:
    """Orders waiting for stock: the order, the SKU, how many units and since when, in the
    order receipts fill them."""
    return await read(svc.db, views.waiting_backorders, limit)


@router.post(
    "/receipts",
    response_model=inventory.Booked,
    status_code=201,
    responses={200: {"model": inventory.Booked, "description": "Booked before under this reference"}},
    openapi_extra=BOOKING,
)
async def receive(body: inventory.Receipt, svc: Svc, response: Response) -> inventory.Booked:
    """Book goods received; orders waiting for them reserve first come, first served.
    The same reference again changes nothing and answers 200."""
    booked = await run_in_threadpool(inventory.book_receipt, svc.db, body)
    if not booked.booked:
        response.status_code = 200
    await inventory.wake(svc.client, booked.woken_orders)
    return booked


@router.post(
    "/adjustments",
    response_model=inventory.Booked,
    status_code=201,
    responses={200: {"model": inventory.Booked, "description": "Booked before under this reference"}},
    openapi_extra=BOOKING,
)
async def adjust(body: inventory.Adjustment, svc: Svc, response: Response) -> inventory.Booked:
    """Correct a count or write units off; the reason is required and kept in the ledger."""
    booked = await run_in_threadpool(inventory.book_adjustment, svc.db, body)
    if not booked.booked:
        response.status_code = 200
    await inventory.wake(svc.client, booked.woken_orders)
    return booked


@router.put("/{sku}/{warehouse}/reorder", status_code=204, openapi_extra=BOOKING)
async def set_reorder(
    sku: SkuCode, warehouse: WarehouseCode, body: inventory.ReorderPolicy, svc: Svc
) -> None:
    await run_in_threadpool(inventory.set_reorder_policy, svc.db, sku, warehouse, body)


@router.get("/{sku}", response_model=views.SkuStock, openapi_extra=NO_SKU)
async def sku_stock(sku: Key, svc: Svc) -> views.SkuStock:
    return await read_one(svc.db, _no_sku(sku), views.sku_stock, sku)


@router.get("/{sku}/movements", response_model=list[views.MovementRow], openapi_extra=NO_SKU)
async def movements(
    sku: Key,
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[views.MovementRow]:
    """The ledger of one SKU, newest first."""
    return await read_one(svc.db, _no_sku(sku), _movements, sku, limit, offset)


def _no_sku(sku: str) -> OrdinoError:
    return OrdinoError(ErrorCode.SKU_NOT_FOUND, f"No SKU {sku}", {"sku": sku})


def _movements(s: Session, sku: str, limit: int, offset: int) -> list[views.MovementRow] | None:
    """None for a SKU that does not exist, told apart from one that never moved."""
    return views.movements(s, sku, limit, offset) if views.sku_exists(s, sku) else None
