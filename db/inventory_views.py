"""The read side of inventory: stock per SKU and warehouse, the ledger, what to reorder."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Backorder, InventoryAlert, Product, StockLevel, StockMovement, Warehouse


class StockRow(BaseModel):
    sku: str
    name: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int
    reorder_quantity: int
    low: bool


class SkuStock(BaseModel):
    sku: str
    name: str
    weight_grams: int
    dimensions_mm: tuple[int, int, int]
    on_hand: int
    reserved: int
    available: int
    backordered: int
    warehouses: list[StockRow]


class MovementRow(BaseModel):
    at: datetime
    warehouse: str
    kind: str
    on_hand_delta: int
    reserved_delta: int
    reason: str
    reference: str | None


class ReplenishmentRow(BaseModel):
    sku: str
    warehouse: str
    available: int
    reorder_point: int
    reorder_quantity: int
    open_backorders: int
    suggested_quantity: int


class BackorderRow(BaseModel):
    """Units an order waits for, and since when (the queue is first come, first served)."""

    order_id: str
    sku: str
    quantity: int
    since: datetime


class AlertRow(BaseModel):
    at: datetime
    kind: str
    sku: str
    warehouse: str
    available: int
    reorder_point: int
    reference: str | None


def _low(level: StockLevel) -> bool:
    return level.reorder_point > 0 and level.on_hand - level.reserved <= level.reorder_point


def _row(level: StockLevel, name: str) -> StockRow:
    return StockRow(
        sku=level.sku,
        name=name,
        warehouse=level.warehouse,
        on_hand=level.on_hand,
        reserved=level.reserved,
        available=level.on_hand - level.reserved,
        reorder_point=level.reorder_point,
        reorder_quantity=level.reorder_quantity,
        low=_low(level),
    )


def stock_rows(
    session: Session, sku: str | None = None, warehouse: str | None = None, low: bool = False
) -> list[StockRow]:
    query = select(StockLevel, Product.name).join(Product, Product.sku == StockLevel.sku)
    if sku:
        query = query.where(StockLevel.sku == sku)
    if warehouse:
        query = query.where(StockLevel.warehouse == warehouse)
    rows = [
        _row(level, name)
        for level, name in session.execute(query.order_by(StockLevel.sku, StockLevel.warehouse))
    ]
    return [r for r in rows if r.low] if low else rows


def open_backorders(session: Session, sku: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Backorder.quantity), 0)).where(
            Backorder.sku == sku, Backorder.state == "waiting"
        )
    )
    return int(total or 0)


def sku_exists(session: Session, sku: str) -> bool:
    return session.get(Product, sku) is not None


def sku_stock(session: Session, sku: str) -> SkuStock | None:
    product = session.get(Product, sku)
    if product is None:
        return None
    rows = stock_rows(session, sku=sku)
    return SkuStock(
        sku=sku,
        name=product.name,
        weight_grams=product.weight_grams,
        dimensions_mm=(product.length_mm, product.width_mm, product.height_mm),
        on_hand=sum(r.on_hand for r in rows),
        reserved=sum(r.reserved for r in rows),
        available=sum(r.available for r in rows),
        backordered=open_backorders(session, sku),
        warehouses=rows,
    )


def movements(session: Session, sku: str, limit: int = 100, offset: int = 0) -> list[MovementRow]:
    rows = session.scalars(
        select(StockMovement)
        .where(StockMovement.sku == sku)
        .order_by(StockMovement.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [MovementRow.model_validate(m, from_attributes=True) for m in rows]


def replenishment(session: Session) -> list[ReplenishmentRow]:
    """What to reorder: stock at or below its reorder point, and SKUs that orders wait for.
    Open backorders are added to the SKU's first warehouse by priority."""
    levels = session.execute(
        select(StockLevel, Warehouse.priority)
        .join(Warehouse, Warehouse.code == StockLevel.warehouse)
        .order_by(StockLevel.sku, Warehouse.priority, StockLevel.warehouse)
    ).all()
    waiting = dict(
        session.execute(
            select(Backorder.sku, func.sum(Backorder.quantity))
            .where(Backorder.state == "waiting")
            .group_by(Backorder.sku)
        ).all()
    )
    result: list[ReplenishmentRow] = []
    seen: set[str] = set()
    for level, _ in levels:
        owed = int(waiting.get(level.sku, 0)) if level.sku not in seen else 0
        seen.add(level.sku)
        available = level.on_hand - level.reserved
        if not _low(level) and owed == 0:
            continue
        gap = max(level.reorder_point - available, 0)
        suggested = max(level.reorder_quantity, gap) + owed
        result.append(
            ReplenishmentRow(
                sku=level.sku,
                warehouse=level.warehouse,
                available=available,
                reorder_point=level.reorder_point,
                reorder_quantity=level.reorder_quantity,
                open_backorders=owed,
                suggested_quantity=suggested,
            )
        )
    # Orders may wait for a SKU that was never stocked: suggest it for the first warehouse.
    first = session.scalar(select(Warehouse.code).order_by(Warehouse.priority, Warehouse.code).limit(1))
    for sku, owed in sorted(waiting.items()):
        if sku not in seen and first is not None:
            result.append(
                ReplenishmentRow(
                    sku=sku,
                    warehouse=first,
                    available=0,
                    reorder_point=0,
                    reorder_quantity=0,
                    open_backorders=int(owed),
                    suggested_quantity=int(owed),
                )
            )
    return result


def alerts(session: Session, limit: int = 100) -> list[AlertRow]:
    rows = session.scalars(select(InventoryAlert).order_by(InventoryAlert.id.desc()).limit(limit))
    return [AlertRow.model_validate(a, from_attributes=True) for a in rows]


def waiting_backorders(session: Session, limit: int = 100) -> list[BackorderRow]:
    """Orders waiting for stock, longest waiting first (the order receipts fill them in)."""
    rows = session.scalars(
        select(Backorder).where(Backorder.state == "waiting").order_by(Backorder.id).limit(limit)
    )
    return [
        BackorderRow(order_id=b.order_id, sku=b.sku, quantity=b.quantity, since=b.created_at) for b in rows
    ]
