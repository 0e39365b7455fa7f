"""Stock changes inside PostgreSQL. Availability is enforced by conditional UPDATEs, never
by reading in Python and writing later; every change appends one ledger row keyed for
idempotency, so on hand and reserved always equal the ledger's sums."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.dialects.postgresql import Insert, insert
from sqlalchemy.orm import Session

from db.models import Backorder, InventoryAlert, Order, StockLevel, StockMovement, StockReservation, Warehouse
from domain.allocation import Site, allocate
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Reservation


class StockOutOfBalance(Exception):
    """Stock levels disagree with an order's reservations: a bug, never to be papered over."""


class StockRaceLost(Exception):
    """Another order took the units between our snapshot and our update; allocate again."""


def _ledger(
    session: Session,
    key: str,
    sku: str,
    warehouse: str,
    kind: str,
    on_hand_delta: int,
    reserved_delta: int,
    reason: str,
    reference: str,
) -> bool:
    """Append a ledger row; False if this key was booked before (a retry)."""
    row = session.execute(
        insert(StockMovement)
        .values(
            idempotency_key=key,
            sku=sku,
            warehouse=warehouse,
            kind=kind,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            reason=reason,
            reference=reference,
        )
        .on_conflict_do_nothing()
        .returning(StockMovement.id)
    ).scalar_one_or_none()
    return row is not None


def _change(session: Session, sku: str, warehouse: str, on_hand: int, reserved: int, reference: str) -> bool:
    """Apply deltas if the result keeps 0 <= reserved <= on_hand; raise a low-stock alert
    when available units fall to the reorder point. False if the stock was not there."""
    row = session.execute(
        update(StockLevel)
        .where(
            and_(
                StockLevel.sku == sku,
                StockLevel.warehouse == warehouse,
                StockLevel.reserved + reserved >= 0,
                StockLevel.on_hand + on_hand >= StockLevel.reserved + reserved,
            )
        )
        .values(on_hand=StockLevel.on_hand + on_hand, reserved=StockLevel.reserved + reserved)
        .returning(StockLevel.on_hand - StockLevel.reserved, StockLevel.reorder_point)
    ).first()
    if row is None:
        return False
    available_after, reorder_point = row
    available_before = available_after - (on_hand - reserved)
    if reorder_point > 0 and available_after <= reorder_point < available_before:
        session.execute(
            insert(InventoryAlert).values(
                kind="low_stock",
                sku=sku,
                warehouse=warehouse,
                available=available_after,
                reorder_point=reorder_point,
                reference=reference,
            )
        )
    return True


def receive(session: Session, sku: str, warehouse: str, quantity: int, reference: str) -> bool:
    """Book a goods receipt once per reference; False if it was booked before."""
    key = f"receipt:{reference}:{sku}:{warehouse}"
    if not _ledger(session, key, sku, warehouse, "receipt", quantity, 0, "goods receipt", reference):
        return False
    session.execute(
        insert(StockLevel)
        .values(sku=sku, warehouse=warehouse, on_hand=quantity, reserved=0)
        .on_conflict_do_update(
            index_elements=[StockLevel.sku, StockLevel.warehouse],
            set_={"on_hand": StockLevel.on_hand + quantity},
        )
    )
    return True


def upsert_level(sku: str, warehouse: str, on_hand: int = 0) -> Insert:
    """An INSERT of a stock level (with what arrives, for a warehouse that never held the SKU),
    to be completed with an ON CONFLICT clause."""
    return insert(StockLevel).values(sku=sku, warehouse=warehouse, on_hand=on_hand, reserved=0)


def adjust(
    session: Session, sku: str, warehouse: str, delta: int, kind: str, reason: str, reference: str
) -> bool:
    """A stock count correction or a write-off. On hand may never drop below what is
    reserved for orders. False if this reference was booked before."""
    key = f"{kind}:{reference}:{sku}:{warehouse}"
    if not _ledger(session, key, sku, warehouse, kind, delta, 0, reason, reference):
        return False
    session.execute(upsert_level(sku, warehouse).on_conflict_do_nothing())
    if not _change(session, sku, warehouse, delta, 0, reference):
        raise OrdinoError(
            ErrorCode.NEGATIVE_STOCK,
            f"{sku} at {warehouse}: on hand cannot drop below the units reserved for orders",
            {"sku": sku, "warehouse": warehouse, "delta": delta},
        )
    return True


def sites(session: Session) -> list[Site]:
    rows = session.execute(select(Warehouse.code, Warehouse.country, Warehouse.priority)).all()
    return [Site(code, country, priority) for code, country, priority in rows]


def availability(session: Session, skus: list[str]) -> dict[tuple[str, str], int]:
    """Free units per (sku, warehouse): a snapshot to plan with, not a promise."""
    rows = session.execute(
        select(StockLevel.sku, StockLevel.warehouse, StockLevel.on_hand - StockLevel.reserved).where(
            StockLevel.sku.in_(skus)
        )
    ).all()
    return {(sku, wh): free for sku, wh, free in rows}


def reserve(session: Session, order_id: str, plan: list[Reservation]) -> None:
    """Reserve the plan's units (once: callers run it under their effect's guard). Rows are
    touched in (sku, warehouse) order so that concurrent orders lock in the same order and
    cannot deadlock."""
    for r in sorted(plan, key=lambda r: (r.sku, r.warehouse)):
        session.execute(
            insert(StockReservation).values(
                order_id=order_id, sku=r.sku, warehouse=r.warehouse, quantity=r.quantity
            )
        )
        if not _change(session, r.sku, r.warehouse, 0, r.quantity, order_id):
            raise StockRaceLost(r.sku)
        _ledger(
            session,
            f"reserve:{order_id}:{r.sku}:{r.warehouse}",
            r.sku,
            r.warehouse,
            "reservation",
            0,
            r.quantity,
            "order accepted",
            order_id,
        )


def release(session: Session, order_id: str, reason: str) -> None:
    """Give back every active reservation of an order and drop its waiting backorders
    (idempotent)."""
    rows = session.scalars(
        select(StockReservation)
        .where(StockReservation.order_id == order_id, StockReservation.state == "active")
        .order_by(StockReservation.sku, StockReservation.warehouse)
        .with_for_update()
    ).all()
    for r in rows:
        if not _change(session, r.sku, r.warehouse, 0, -r.quantity, order_id):
            raise StockOutOfBalance(f"{r.sku} at {r.warehouse} holds less than {order_id} reserved")
        r.state = "released"
        _ledger(
            session,
            f"release:{order_id}:{r.sku}:{r.warehouse}",
            r.sku,
            r.warehouse,
            "release",
            0,
            -r.quantity,
            reason,
            order_id,
        )
    session.execute(
        update(Backorder)
        .where(Backorder.order_id == order_id, Backorder.state == "waiting")
        .values(state="cancelled")
    )


def ship(session: Session, order_id: str, warehouse: str) -> None:
    """Turn an order's reservations at one warehouse into an outbound movement (idempotent)."""
    rows = session.scalars(
        select(StockReservation)
        .where(
            StockReservation.order_id == order_id,
            StockReservation.warehouse == warehouse,
            StockReservation.state == "active",
        )
        .order_by(StockReservation.sku)
        .with_for_update()
    ).all()
    for r in rows:
        if not _change(session, r.sku, r.warehouse, -r.quantity, -r.quantity, order_id):
            raise StockOutOfBalance(f"{r.sku} at {r.warehouse} holds less than {order_id} reserved")
        r.state = "shipped"
        _ledger(
            session,
            f"ship:{order_id}:{r.sku}:{r.warehouse}",
            r.sku,
            r.warehouse,
            "shipment",
            -r.quantity,
            -r.quantity,
            "parcel handed to carrier",
            order_id,
        )


# --- backorders ---------------------------------------------------------------------


def backorder(session: Session, order_id: str, short: dict[str, int], at: datetime) -> None:
    for sku, quantity in sorted(short.items()):
        session.execute(
            insert(Backorder)
            .values(order_id=order_id, sku=sku, quantity=quantity, state="waiting", created_at=at)
            .on_conflict_do_nothing()
        )


def waiting(session: Session, order_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Backorder.sku, Backorder.quantity).where(
            Backorder.order_id == order_id, Backorder.state == "waiting"
        )
    ).all()
    return {sku: qty for sku, qty in rows}


def fill_backorders(session: Session, skus: list[str], at: datetime) -> list[str]:
    """Reserve newly available units for waiting backorders, first come first served, and
    return the orders that now have everything they wait for. A backorder that cannot be
    filled whole blocks later ones for the same SKU, so nobody jumps the queue."""
    queue = session.execute(
        select(Backorder, Order.shipping_address)
        .join(Order, Order.id == Backorder.order_id)
        .where(Backorder.sku.in_(skus), Backorder.state == "waiting")
        .order_by(Backorder.id)
        .with_for_update(of=Backorder)
    ).all()
    all_sites = sites(session)
    blocked: set[str] = set()
    touched: set[str] = set()
    for bo, address in queue:
        if bo.sku in blocked:
            continue
        allocation = allocate(
            {bo.sku: bo.quantity}, availability(session, [bo.sku]), all_sites, address["country"]
        )
        if allocation.short:
            blocked.add(bo.sku)
            continue
        try:
            with session.begin_nested():
                for r in allocation.plan:
                    if not _change(session, r.sku, r.warehouse, 0, r.quantity, bo.order_id):
                        raise StockRaceLost(r.sku)
                    session.execute(
                        insert(StockReservation)
                        .values(order_id=bo.order_id, sku=r.sku, warehouse=r.warehouse, quantity=r.quantity)
                        .on_conflict_do_update(
                            index_elements=[
                                StockReservation.order_id,
                                StockReservation.sku,
                                StockReservation.warehouse,
                            ],
                            set_={"quantity": StockReservation.quantity + r.quantity},
                        )
                    )
                    _ledger(
                        session,
                        f"backorder:{bo.id}:{r.warehouse}",
                        r.sku,
                        r.warehouse,
                        "reservation",
                        0,
                        r.quantity,
                        "backorder filled",
                        bo.order_id,
                    )
                bo.state, bo.filled_at = "filled", at
                session.flush()
        except StockRaceLost:
            blocked.add(bo.sku)
            continue
        touched.add(bo.order_id)
    return sorted(order_id for order_id in touched if not waiting(session, order_id))


def reship(session: Session, order_id: str, key: str, warehouse: str, units: dict[str, int]) -> None:
    """Take the units of a parcel that never arrived once more from a warehouse's free stock
    (reserved and shipped in one step), once per key; insufficient_stock if they are not there."""
    for sku, quantity in sorted(units.items()):
        if not _ledger(
            session,
            f"reship:{key}:{sku}:{warehouse}",
            sku,
            warehouse,
            "shipment",
            -quantity,
            0,
            "replacement parcel",
            order_id,
        ):
            continue  # taken by an earlier attempt
        if not _change(session, sku, warehouse, -quantity, 0, order_id):
            raise OrdinoError(
                ErrorCode.INSUFFICIENT_STOCK,
                f"{sku} at {warehouse}: not enough free stock to send a replacement",
                {"sku": sku, "warehouse": warehouse},
            )


def take_back(
    session: Session, sku: str, warehouse: str, quantity: int, resellable: bool, reference: str
) -> None:
    """Goods a customer sent back: booked in as a return, and written off at once when the
    inspection found them unsellable, so the ledger shows both what came and what went."""
    key = f"return:{reference}:{sku}:{warehouse}"
    if _ledger(session, key, sku, warehouse, "return", quantity, 0, "customer return", reference):
        session.execute(
            upsert_level(sku, warehouse, quantity).on_conflict_do_update(
                index_elements=[StockLevel.sku, StockLevel.warehouse],
                set_={"on_hand": StockLevel.on_hand + quantity},
            )
        )
    if not resellable:
        adjust(session, sku, warehouse, -quantity, "write_off", "returned damaged", reference)


def resize(session: Session, order_id: str, sku: str, warehouse: str, delta: int, reference: str) -> None:
    """Hold more (delta > 0) or fewer units of a SKU at a warehouse for an order, as an edit
    or a partial cancellation asks; once per reference. StockRaceLost if the units are gone."""
    key = f"resize:{reference}:{sku}:{warehouse}"
    kind, reason = ("reservation", "order changed") if delta > 0 else ("release", "order changed")
    if not _ledger(session, key, sku, warehouse, kind, 0, delta, reason, order_id):
        return
    if not _change(session, sku, warehouse, 0, delta, order_id):
        if delta > 0:
            raise StockRaceLost(sku)
        raise StockOutOfBalance(f"{sku} at {warehouse} holds less than {order_id} reserved")
    row = session.execute(
        insert(StockReservation)
        .values(order_id=order_id, sku=sku, warehouse=warehouse, quantity=delta)
        .on_conflict_do_update(
            index_elements=[StockReservation.order_id, StockReservation.sku, StockReservation.warehouse],
            set_={"quantity": StockReservation.quantity + delta, "state": "active"},
        )
        .returning(StockReservation.quantity)
    ).scalar_one()
    if row == 0:
        session.execute(
            update(StockReservation)
            .where(
                StockReservation.order_id == order_id,
                StockReservation.sku == sku,
                StockReservation.warehouse == warehouse,
            )
            .values(state="released")
        )


def restock_shipment(
    session: Session, order_id: str, warehouse: str, units: dict[str, int], reference: str
) -> None:
    """Units of a parcel whose booking was cancelled before pickup go back on the shelf."""
    for sku, quantity in sorted(units.items()):
        key = f"restock:{reference}:{sku}:{warehouse}"
        if _ledger(
            session, key, sku, warehouse, "return", quantity, 0, "parcel cancelled before pickup", order_id
        ):
            session.execute(
                upsert_level(sku, warehouse, quantity).on_conflict_do_update(
                    index_elements=[StockLevel.sku, StockLevel.warehouse],
                    set_={"on_hand": StockLevel.on_hand + quantity},
                )
            )
