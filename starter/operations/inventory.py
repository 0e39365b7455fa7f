"""Inventory commands shared by the API and the CLI: goods receipts (which wake the orders
waiting for them), adjustments and write-offs, reorder points."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from contracts.ids import order_workflow_id
from db import stock
from db.engine import Database
from db.models import Product, StockLevel, Warehouse
from domain.errors import ErrorCode, OrdinoError
from domain.inputs import Text, Whole
from domain.orders import SkuCode, WarehouseCode
from workflows.order import OrderWorkflow

log = structlog.get_logger()

Reference = Annotated[str, Text(100)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReceiptLine(Body):
    sku: SkuCode
    quantity: Whole = Field(gt=0, le=1_000_000)


class Receipt(Body):
    """Goods received at a warehouse; the reference (delivery note) makes it idempotent."""

    warehouse: WarehouseCode
    reference: Reference
    lines: list[ReceiptLine] = Field(min_length=1, max_length=500)

    @field_validator("lines")
    @classmethod
    def _one_line_per_sku(cls, lines: list[ReceiptLine]) -> list[ReceiptLine]:
        if len({line.sku for line in lines}) != len(lines):
            raise ValueError("each SKU may appear on one line only")
        return lines


class Adjustment(Body):
    """A stock count correction (either sign) or a write-off (damaged, lost, expired)."""

    sku: SkuCode
    warehouse: WarehouseCode
    kind: Literal["adjustment", "write_off"] = "adjustment"
    quantity_delta: Whole = Field(ge=-1_000_000, le=1_000_000)
    reason: Annotated[str, Text(200, min_length=3)]
    reference: Reference

    @field_validator("quantity_delta")
    @classmethod
    def _not_zero(cls, delta: int) -> int:
        if delta == 0:
            raise ValueError("a zero adjustment changes nothing")
        return delta

    @model_validator(mode="after")
    def _write_offs_remove(self) -> Adjustment:
        if self.kind == "write_off" and self.quantity_delta > 0:
            raise ValueError("a write-off removes units: quantity_delta must be negative")
        return self


class ReorderPolicy(Body):
    reorder_point: Whole = Field(ge=0, le=1_000_000)
    reorder_quantity: Whole = Field(ge=0, le=1_000_000)


class Booked(BaseModel):
    booked: bool
    woken_orders: list[str] = []


def _known(session: Session, skus: list[str], warehouse: str) -> None:
    if session.get(Warehouse, warehouse) is None:
        raise OrdinoError(ErrorCode.UNKNOWN_WAREHOUSE, f"No warehouse {warehouse}", {"warehouse": warehouse})
    found = set(session.scalars(select(Product.sku).where(Product.sku.in_(skus))))
    unknown = [s for s in skus if s not in found]
    if unknown:
        raise OrdinoError(ErrorCode.UNKNOWN_SKU, f"Unknown SKU: {', '.join(unknown)}", {"skus": unknown})


async def wake(client: Client, order_ids: list[str]) -> None:
    """Tell orders their backorders are filled. Should a signal get lost, the order finds
    out at its next recheck."""
    for order_id in order_ids:
        try:
            await client.get_workflow_handle(order_workflow_id(order_id)).signal(OrderWorkflow.stock_reserved)
            log.info("backordered order woken", order_id=order_id)
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise


def book_receipt(db: Database, receipt: Receipt) -> Booked:
    """Receive the goods and, in the same transaction, fill waiting backorders in order."""
    with db.transaction() as s:
        skus = [line.sku for line in receipt.lines]
        _known(s, skus, receipt.warehouse)
        booked = [
            stock.receive(s, ln.sku, receipt.warehouse, ln.quantity, receipt.reference)
            for ln in receipt.lines
        ]
        filled = stock.fill_backorders(s, skus, datetime.now(UTC))
    log.info("goods received", warehouse=receipt.warehouse, reference=receipt.reference, filled=filled)
    return Booked(booked=any(booked), woken_orders=filled)


def book_adjustment(db: Database, adj: Adjustment) -> Booked:
    with db.transaction() as s:
        _known(s, [adj.sku], adj.warehouse)
        booked = stock.adjust(
            s, adj.sku, adj.warehouse, adj.quantity_delta, adj.kind, adj.reason, adj.reference
        )
        # A count that finds more units may fill backorders too.
        filled = stock.fill_backorders(s, [adj.sku], datetime.now(UTC)) if adj.quantity_delta > 0 else []
    log.info("stock adjusted", sku=adj.sku, warehouse=adj.warehouse, delta=adj.quantity_delta, kind=adj.kind)
    return Booked(booked=booked, woken_orders=filled)


def set_reorder_policy(db: Database, sku: str, warehouse: str, policy: ReorderPolicy) -> None:
    with db.transaction() as s:
        _known(s, [sku], warehouse)
        s.execute(
            stock.upsert_level(sku, warehouse).on_conflict_do_update(
                index_elements=[StockLevel.sku, StockLevel.warehouse],
                set_={"reorder_point": policy.reorder_point, "reorder_quantity": policy.reorder_quantity},
            )
        )
