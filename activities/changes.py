"""Edits and partial cancellations before anything is packed: price the changed order as
it was priced when placed, then change the order, its lines and its reservations in one
transaction, so a change happens whole or not at all."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import structlog
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from temporalio import activity

from activities.failures import business_rules
from activities.pricing import price_order
from contracts.changes import ApplyChangeInput, PlanChangeInput, StopParcelInput
from db import order_log, stock
from db.engine import Database
from db.models import Fulfillment, Order, OrderEvent, OrderLine, Shipment, StockReservation
from domain.allocation import allocate, require_complete
from domain.changes import ChangePlan, OrderChange, StockEffect, changed_basket
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Address, Basket, OrderLineRequest
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
            shipped = s.execute(
                select(StockReservation.warehouse, StockReservation.sku, StockReservation.quantity).where(
                    StockReservation.order_id == order_id, StockReservation.state == "shipped"
                )
            ).all()
        return {tn: {sku: n for w, sku, n in shipped if w == wh} for tn, wh in parcels}

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
        stopped = parcel.status == TrackingStatus.BOOKED.value
        if stopped:
            self._carrier.cancel(inp.tracking_number)
        else:
            self._carrier.recall(inp.tracking_number)
        outcome = "cancelled" if stopped else "recalled"
        with self._db.transaction() as s:
            if stopped:  # a replacement holds what its lost parcel held: the same units come back
                units = dict(
                    s.execute(
                        select(StockReservation.sku, StockReservation.quantity).where(
                            StockReservation.order_id == inp.order_id,
                            StockReservation.warehouse == parcel.warehouse,
                            StockReservation.state == "shipped",
                        )
                    ).all()
                )
                stock.restock_shipment(s, inp.order_id, parcel.warehouse, units, inp.tracking_number)
            s.execute(
                update(Shipment).where(Shipment.id == parcel.id).values(status=outcome, updated_at=inp.at)
            )
            order_log.append_event(
                s, inp.order_id, f"stop:{inp.tracking_number}",
                "parcel_cancelled" if stopped else "return_to_sender_requested", None, inp.at,
                reason=inp.reason,
                data={"tracking_number": inp.tracking_number, "warehouse": parcel.warehouse},
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
        with self._db.transaction() as s:
            order = s.get(Order, inp.order_id, with_for_update=True)
            assert order is not None, f"order {inp.order_id} has no row"
            done = s.scalar(
                select(OrderEvent.id).where(OrderEvent.order_id == inp.order_id, OrderEvent.key == key)
            )
            if done is None:
                self._apply(s, order, inp, key)
            return list(
                s.scalars(
                    select(Fulfillment.warehouse)
                    .where(Fulfillment.order_id == inp.order_id, Fulfillment.status != "cancelled")
                    .order_by(Fulfillment.warehouse)
                )
            )

    def _apply(self, s: Session, order: Order, inp: ApplyChangeInput, key: str) -> None:
        quote, change = inp.plan.quote, inp.change
        held = stock.active_reservations(s, order.id)
        channel = self._settings.channels[order.channel]
        destination = (change.shipping_address or Address.model_validate(order.shipping_address)).country
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
                allocation = allocate(
                    {effect.sku: delta}, stock.availability(s, [effect.sku]), stock.sites(s), destination,
                    channel.allocation_rules, channel.split_shipments,
                )  # fmt: skip
                try:
                    require_complete(allocation)
                except OrdinoError:
                    raise OrdinoError(
                        ErrorCode.INSUFFICIENT_STOCK, f"Not enough {effect.sku} for {effect.after}",
                        {"sku": effect.sku},
                    ) from None  # fmt: skip
                for r in allocation.plan:
                    try:
                        stock.resize(s, order.id, r.sku, r.warehouse, r.quantity, key)
                    except stock.StockRaceLost:
                        raise OrdinoError(
                            ErrorCode.INSUFFICIENT_STOCK, f"{r.sku} ran out while changing"
                        ) from None
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
        self._sync_fulfillments(s, order.id, inp.at)
        order_log.append_event(
            s, order.id, key, inp.event, None, inp.at, actor=change.actor, reason=change.reason,
            data={"reference": change.reference, "previous_total": str(inp.plan.previous_total),
                  "grand_total": str(quote.grand_total),
                  "stock": [e.model_dump(mode="json") for e in inp.plan.stock],
                  "address_changed": change.shipping_address is not None},
        )  # fmt: skip
        log.info("order changed", order_id=order.id, total=str(quote.grand_total), reference=change.reference)

    def _sync_fulfillments(self, s: Session, order_id: str, at: datetime) -> None:
        """A warehouse that now holds units picks them; one that holds none any more stops."""
        holding = {wh for (_, wh), qty in stock.active_reservations(s, order_id).items() if qty > 0}
        current = dict(
            s.execute(
                select(Fulfillment.warehouse, Fulfillment.status).where(Fulfillment.order_id == order_id)
            ).all()
        )
        for wh in sorted(holding - current.keys()):
            s.execute(insert(Fulfillment).values(id=f"{order_id}:{wh}", order_id=order_id, warehouse=wh,
                                                 status="picking", opened_at=at))  # fmt: skip
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
