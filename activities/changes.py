"""Edits and partial cancellations before anything is packed: price the changed order as
it was priced when placed, then change the order, its lines and its reservations in one
unit of work, so a change happens whole or not at all, and once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from temporalio import activity

from activities.failures import business_rules
from activities.fulfillment import open_fulfillment
from activities.pricing import price_order
from contracts.changes import ApplyChangeInput, PlanChangeInput, StopParcelInput
from db import reservations, stock
from db.engine import Database
from db.models import Fulfillment, Order, OrderLine, Shipment
from db.reserving import allocate_and_reserve
from db.unit_of_work import UnitOfWork, call_once, run_once
from domain.changes import ChangePlan, OrderChange, StockEffect, changed_basket
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Address, Basket, OrderLineRequest, Reservation
from domain.quote import Quote
from domain.tracking import ENDED, STOPPED, TrackingStatus
from providers.carrier import Carrier
from settings import Settings

log = structlog.get_logger()


def stored_basket(order: Order) -> Basket:
    """The order as it stands, in the shape it was placed in."""
    quote = Quote.model_validate(order.quote)
    return Basket(
        channel=order.channel,
        shipping_address=Address.model_validate(order.shipping_address),
        lines=[OrderLineRequest(sku=ln.sku, quantity=ln.quantity) for ln in quote.lines],
        currency=order.currency,
        coupons=[d.code for d in quote.discounts if d.coupon],
        vat_id=quote.buyer_vat_id,
    )


class ChangeActivities:
    def __init__(self, db: Database, settings: Settings, carrier: Carrier) -> None:
        self._db = db
        self._settings = settings
        self._carrier = carrier

    @activity.defn
    @business_rules
    def parcel_contents(self, order_id: str) -> dict[str, dict[str, int]]:
        """What each of the order's parcels holds, by tracking number (a replacement holds
        what the parcel it replaces held)."""
        with self._db.reader() as s:
            parcels = s.execute(
                select(Shipment.tracking_number, Shipment.warehouse).where(Shipment.order_id == order_id)
            ).all()
            shipped = reservations.shipped_by_warehouse(s, order_id)
        return {tn: dict(shipped.get(wh, {})) for tn, wh in parcels}

    @activity.defn
    @business_rules
    def stop_parcel(self, inp: StopParcelInput) -> str:
        """A cancelled order's parcel: not picked up yet, the booking is cancelled and its units
        go back on the shelf; already travelling, the carrier brings it back (support books it
        in on arrival). Answers what happened, or the parcel's status when there was nothing
        left to stop; once per parcel."""
        with self._db.reader() as s:
            parcel = s.scalars(select(Shipment).where(Shipment.tracking_number == inp.tracking_number)).one()
        if parcel.status in STOPPED or parcel.status in ENDED:
            # Stopped by an earlier attempt, or at the end of its journey meanwhile (delivered,
            # lost, back with the sender): nothing to stop, and the caller hears what is stored.
            return parcel.status
        return call_once(
            self._db,
            inp.order_id,
            f"stop:{inp.tracking_number}",
            str,
            call=lambda: self._stop_with_carrier(parcel),
            book=lambda uow, outcome: self._stopped(uow, inp, parcel, outcome),
        )

    def _stop_with_carrier(self, parcel: Shipment) -> str:
        if parcel.status == TrackingStatus.BOOKED.value:
            self._carrier.cancel(parcel.tracking_number)
            return "cancelled"
        self._carrier.recall(parcel.tracking_number)
        return "recalled"

    def _stopped(self, uow: UnitOfWork, inp: StopParcelInput, parcel: Shipment, outcome: str) -> str:
        s = uow.session
        if outcome == "cancelled":  # never left: its units (a replacement's are its lost parcel's) come back
            units = reservations.shipped_units(s, inp.order_id, parcel.warehouse)
            stock.restock_shipment(s, inp.order_id, parcel.warehouse, units, inp.tracking_number)
        s.execute(update(Shipment).where(Shipment.id == parcel.id).values(status=outcome, updated_at=inp.at))
        uow.record(
            inp.order_id, f"stop:{inp.tracking_number}",
            "parcel_cancelled" if outcome == "cancelled" else "return_to_sender_requested", None, inp.at,
            reason=inp.reason, data={"tracking_number": inp.tracking_number, "warehouse": parcel.warehouse},
        )  # fmt: skip
        log.info("parcel stopped", order_id=inp.order_id, tracking=inp.tracking_number, outcome=outcome)
        return outcome

    def _plan(self, s: Session, order_id: str, change: OrderChange, authorized: Decimal) -> ChangePlan:
        order = s.get(Order, order_id)
        if order is None:
            raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")
        basket = stored_basket(order)
        new = changed_basket(basket, change)
        channel = self._settings.channels[order.channel]
        # Prices, tax and promotions as when the order was placed: an edit is not a new order.
        quote = price_order(
            s, new, channel, self._settings.seller_country, order.created_at, frozenset(basket.coupons)
        )
        before = {ln.sku: ln.quantity for ln in basket.lines}
        after = {ln.sku: ln.quantity for ln in new.lines}
        extra = {sku: n - before.get(sku, 0) for sku, n in after.items() if n > before.get(sku, 0)}
        free = stock.availability(s, list(extra)) if extra else {}
        effects = [
            StockEffect(
                sku=sku,
                before=before.get(sku, 0),
                after=after.get(sku, 0),
                available=sum(q for (k, _), q in free.items() if k == sku) >= extra.get(sku, 0),
            )
            for sku in sorted(before.keys() | after.keys())
            if before.get(sku, 0) != after.get(sku, 0)
        ]
        total = quote.grand_total
        payment = "authorize_more" if total > authorized else "capture_less" if total < authorized else "none"
        return ChangePlan(
            quote=quote,
            previous_total=Quote.model_validate(order.quote).grand_total,
            stock=effects,
            payment=payment,
        )

    @activity.defn
    @business_rules
    def plan_change(self, inp: PlanChangeInput) -> ChangePlan:
        with self._db.reader() as s:
            return self._plan(s, inp.order_id, inp.change, inp.authorized)

    @activity.defn
    @business_rules
    def apply_change(self, inp: ApplyChangeInput) -> list[str]:
        """Change the order to the plan; answers the warehouses that now pick and pack it."""
        key = f"change:{inp.change.reference}"
        return run_once(self._db, inp.order_id, key, list[str], lambda uow: self._apply(uow, inp, key))

    def _apply(self, uow: UnitOfWork, inp: ApplyChangeInput, key: str) -> list[str]:
        s, order = uow.session, uow.order(inp.order_id, lock=True)
        quote, change = inp.plan.quote, inp.change
        held = reservations.active(s, order.id)
        channel = self._settings.channels[order.channel]
        destination = (change.shipping_address or Address.model_validate(order.shipping_address)).country

        def hold_more(plan: list[Reservation]) -> None:
            for r in plan:
                stock.resize(s, order.id, r.sku, r.warehouse, r.quantity, key)

        for effect in inp.plan.stock:
            delta = effect.after - effect.before
            if delta < 0:
                # Fewer units: give back from the warehouses that hold them, last first.
                for (sku, wh), qty in sorted(held.items(), reverse=True):
                    if sku != effect.sku or delta == 0:
                        continue
                    take = min(qty, -delta)
                    stock.resize(s, order.id, sku, wh, -take, key)
                    delta += take
            elif delta > 0:
                allocate_and_reserve(
                    s,
                    {effect.sku: delta},
                    destination,
                    hold_more,
                    channel.allocation_rules,
                    channel.split_shipments,
                )
        values: dict[str, object] = {
            "quote": quote.model_dump(mode="json"),
            "net_total": quote.net_total,
            "tax_total": quote.tax_total,
            "grand_total": quote.grand_total,
            "updated_at": inp.at,
        }
        if change.shipping_address is not None:
            values["shipping_address"] = change.shipping_address.model_dump(mode="json")
        s.execute(update(Order).where(Order.id == order.id).values(**values))
        s.execute(delete(OrderLine).where(OrderLine.order_id == order.id))
        s.execute(
            insert(OrderLine),
            [{"order_id": order.id, **ln.model_dump(exclude={"sku", "discount", "tax_class"}), "sku": ln.sku}
             for ln in quote.lines],
        )  # fmt: skip
        self._sync_fulfillments(uow, order.id, inp.at)
        uow.record(
            order.id, key, inp.event, None, inp.at, actor=change.actor, reason=change.reason,
            data={"reference": change.reference, "previous_total": str(inp.plan.previous_total),
                  "grand_total": str(quote.grand_total),
                  "stock": [e.model_dump(mode="json") for e in inp.plan.stock],
                  "address_changed": change.shipping_address is not None},
        )  # fmt: skip
        log.info("order changed", order_id=order.id, total=str(quote.grand_total), reference=change.reference)
        # The warehouses that now pick and pack the order.
        return list(
            s.scalars(
                select(Fulfillment.warehouse)
                .where(Fulfillment.order_id == order.id, Fulfillment.status != "cancelled")
                .order_by(Fulfillment.warehouse)
            )
        )

    def _sync_fulfillments(self, uow: UnitOfWork, order_id: str, at: datetime) -> None:
        """A warehouse that now holds units picks them; one that holds none any more stops."""
        s = uow.session
        holding = {wh for (_, wh), qty in reservations.active(s, order_id).items() if qty > 0}
        current = dict(
            s.execute(
                select(Fulfillment.warehouse, Fulfillment.status).where(Fulfillment.order_id == order_id)
            ).all()
        )
        for wh in sorted(holding - current.keys()):
            open_fulfillment(uow, order_id, wh, at)
        s.execute(
            update(Fulfillment)
            .where(Fulfillment.order_id == order_id, Fulfillment.warehouse.in_(sorted(holding)))
            .values(status="picking")
            .where(Fulfillment.status == "cancelled")
        )
        gone = sorted(wh for wh, status in current.items() if wh not in holding and status == "picking")
        if gone:
            s.execute(
                update(Fulfillment)
                .where(Fulfillment.order_id == order_id, Fulfillment.warehouse.in_(gone))
                .values(status="cancelled")
            )
