"""Returns: the return's record and the order's audit trail, the return label, booking the
goods back in (restocked or written off) and shipping replacements. Every step is keyed
by the return, so a retry changes nothing."""

from __future__ import annotations

import structlog
from sqlalchemy import func, insert, select, update
from temporalio import activity

from activities import parcels
from activities.failures import business_rules
from activities.pricing import price_order
from contracts.returns import (
    CloseReturnInput,
    DecideReturnInput,
    OpenReturnInput,
    QuoteReplacementInput,
    ReceiveReturnInput,
    ReturnStepInput,
    ShipReplacementInput,
)
from db import reservations, stock
from db.engine import Database
from db.models import Order, Product, ReturnLineRow, ReturnRow, Warehouse
from db.reserving import allocate_and_reserve
from db.unit_of_work import UnitOfWork, call_once, run_once
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Address, Basket, OrderLineRequest, ShipmentBooked
from domain.quote import Quote
from domain.returns import (
    Inspection,
    ReturnStatus,
    accepted_units,
    check_receipt,
)
from providers.carrier import Booking, Carrier
from settings import Settings

log = structlog.get_logger()


class ReturnActivities:
    def __init__(self, db: Database, carrier: Carrier, settings: Settings) -> None:
        self._db = db
        self._carrier = carrier
        self._settings = settings

    @activity.defn
    @business_rules
    def open_return(self, inp: OpenReturnInput) -> None:
        run_once(self._db, inp.order_id, f"{inp.return_id}:requested", None, lambda uow: self._open(uow, inp))

    def _open(self, uow: UnitOfWork, inp: OpenReturnInput) -> None:
        req = inp.request
        status = ReturnStatus.APPROVED if inp.approved else ReturnStatus.REQUESTED
        uow.session.execute(
            insert(ReturnRow).values(
                id=inp.return_id, order_id=inp.order_id, reference=req.reference, status=status.value,
                resolution=req.resolution.value, note=req.note, requested_by=req.actor, requested_at=inp.at,
                refunded=0, outcome={}, updated_at=inp.at, decided_by="rules" if inp.approved else None,
            )
        )  # fmt: skip
        uow.session.execute(
            insert(ReturnLineRow),
            [
                {"return_id": inp.return_id, "sku": line.sku, "quantity": line.quantity,
                 "reason": line.reason.value, "exchange_sku": line.exchange_sku, "resellable": 0,
                 "damaged": 0, "accepted": 0}
                for line in req.lines
            ],
        )  # fmt: skip
        uow.record(
            inp.order_id, f"{inp.return_id}:requested", "return_requested", None, inp.at,
            actor=req.actor, reason=req.note,
            data={"return_id": inp.return_id, "resolution": req.resolution.value, "value": str(inp.value),
                  "approved_by_rules": inp.approved,
                  "lines": [line.model_dump(mode="json") for line in req.lines]},
        )  # fmt: skip

    @activity.defn
    @business_rules
    def decide_return(self, inp: DecideReturnInput) -> None:
        run_once(self._db, inp.order_id, f"{inp.return_id}:decided", None, lambda uow: self._decide(uow, inp))

    def _decide(self, uow: UnitOfWork, inp: DecideReturnInput) -> None:
        d = inp.decision
        status = ReturnStatus.APPROVED if d.approve else ReturnStatus.REJECTED
        uow.session.execute(
            update(ReturnRow)
            .where(ReturnRow.id == inp.return_id, ReturnRow.status == ReturnStatus.REQUESTED.value)
            .values(status=status.value, decided_by=d.actor, decision_reason=d.reason, updated_at=inp.at)
        )
        uow.record(
            inp.order_id, f"{inp.return_id}:decided", f"return_{status.value}", None, inp.at,
            actor=d.actor, reason=d.reason, data={"return_id": inp.return_id},
        )  # fmt: skip

    @activity.defn
    @business_rules
    def send_return_label(self, inp: ReturnStepInput) -> str:
        """Book a prepaid return label; the customer gets its tracking number."""
        with self._db.reader() as s:
            order = s.get(Order, inp.order_id)
            assert order is not None, f"order {inp.order_id} has no row"
            grams = s.scalar(
                select(func.coalesce(func.sum(ReturnLineRow.quantity * Product.weight_grams), 0))
                .join(Product, Product.sku == ReturnLineRow.sku)
                .where(ReturnLineRow.return_id == inp.return_id)
            )
            sender = Address.model_validate(order.shipping_address)
        key = f"{inp.return_id}:label"
        return call_once(
            self._db,
            inp.order_id,
            key,
            str,
            call=lambda: self._carrier.book_return(key, sender, int(grams or 0)),
            book=lambda uow, booking: self._label_sent(uow, inp, key, booking),
        )

    def _label_sent(self, uow: UnitOfWork, inp: ReturnStepInput, key: str, booking: Booking) -> str:
        uow.session.execute(
            update(ReturnRow)
            .where(ReturnRow.id == inp.return_id)
            .values(label_tracking_number=booking.tracking_number, updated_at=inp.at)
        )
        uow.record(
            inp.order_id, key, "return_label_sent", None, inp.at,
            data={"return_id": inp.return_id, "carrier": booking.carrier,
                  "tracking_number": booking.tracking_number},
        )  # fmt: skip
        return booking.tracking_number

    @activity.defn
    @business_rules
    def receive_return(self, inp: ReceiveReturnInput) -> dict[str, int]:
        """Book what arrived back into stock (or write it off) and answer the accepted units."""
        check_receipt(inp.request.lines, inp.receipt.items)
        return run_once(self._db, inp.order_id, f"{inp.return_id}:received", dict[str, int],
                        lambda uow: self._receive(uow, inp))  # fmt: skip

    def _receive(self, uow: UnitOfWork, inp: ReceiveReturnInput) -> dict[str, int]:
        s, receipt = uow.session, inp.receipt
        accepted = accepted_units(inp.request.lines, receipt.items)
        if s.get(Warehouse, receipt.warehouse) is None:
            raise OrdinoError(ErrorCode.UNKNOWN_WAREHOUSE, f"Unknown warehouse {receipt.warehouse}")
        for n, item in enumerate(receipt.items):
            stock.take_back(
                s, item.sku, receipt.warehouse, item.quantity, item.outcome.value == "resellable",
                reference=f"{inp.return_id}:{n}",
            )  # fmt: skip
        for line in inp.request.lines:
            mine = [i for i in receipt.items if i.sku == line.sku]
            counts = {o.value: sum(i.quantity for i in mine if i.outcome is o) for o in Inspection}
            s.execute(
                update(ReturnLineRow)
                .where(ReturnLineRow.return_id == inp.return_id, ReturnLineRow.sku == line.sku)
                .values(**counts, accepted=accepted.get(line.sku, 0))
            )
        s.execute(
            update(ReturnRow)
            .where(ReturnRow.id == inp.return_id)
            .values(status=ReturnStatus.RECEIVED.value, warehouse=receipt.warehouse, received_at=inp.at,
                    updated_at=inp.at)
        )  # fmt: skip
        uow.record(
            inp.order_id, f"{inp.return_id}:received", "return_received", None, inp.at,
            actor=receipt.actor,
            data={"return_id": inp.return_id, "warehouse": receipt.warehouse, "accepted": accepted,
                  "items": [i.model_dump(mode="json") for i in receipt.items]},
        )  # fmt: skip
        return accepted

    @activity.defn
    @business_rules
    def quote_replacement(self, inp: QuoteReplacementInput) -> Quote:
        """Today's price of replacement products, for the order's channel, currency and address
        (shipping is on the house)."""
        with self._db.reader() as s:
            order = s.get(Order, inp.order_id)
            assert order is not None, f"order {inp.order_id} has no row"
            basket = Basket(
                channel=order.channel,
                shipping_address=Address.model_validate(order.shipping_address),
                lines=[OrderLineRequest(sku=sku, quantity=n) for sku, n in sorted(inp.items.items())],
                currency=order.currency,
                vat_id=order.quote.get("buyer_vat_id"),
            )
            channel = self._settings.channels[order.channel]
            return price_order(s, basket, channel, self._settings.seller_country, inp.at)

    @activity.defn
    @business_rules
    def ship_replacement(self, inp: ShipReplacementInput) -> list[ShipmentBooked]:
        """Reserve and ship the replacement units under the return's own key, one parcel per
        warehouse, like the order's first shipment. A race for the last units retries."""
        key = inp.return_id
        with self._db.reader() as s:
            order = s.get(Order, inp.order_id)
            assert order is not None, f"order {inp.order_id} has no row"
            recipient = Address.model_validate(order.shipping_address)
            channel = self._settings.channels[order.channel]

        def reserve(uow: UnitOfWork) -> None:
            s = uow.session
            allocate_and_reserve(s, inp.items, recipient.country, lambda plan: stock.reserve(s, key, plan),
                                 channel.allocation_rules, channel.split_shipments)  # fmt: skip

        run_once(self._db, inp.order_id, f"{key}:reserved", None, reserve)
        with self._db.reader() as s:
            weights = reservations.parcel_weights(s, key)
        booked = []
        for warehouse, grams in weights.items():
            parcel = parcels.Parcel(
                order_id=inp.order_id,
                warehouse=warehouse,
                shipment_id=f"{key}:ship:{warehouse}",
                recipient=recipient,
                grams=grams,
                at=inp.at,
                ships=key,
            )
            event = parcels.BookedEvent(
                key=f"{key}:booked:{warehouse}",
                type="replacement_shipped",
                data={"return_id": key, "warehouse": warehouse},
            )
            booked.append(parcels.book(self._db, self._carrier, parcel, event))
        return booked

    @activity.defn
    @business_rules
    def close_return(self, inp: CloseReturnInput) -> None:
        run_once(self._db, inp.order_id, f"{inp.return_id}:closed", None, lambda uow: self._close(uow, inp))

    def _close(self, uow: UnitOfWork, inp: CloseReturnInput) -> None:
        uow.session.execute(
            update(ReturnRow)
            .where(ReturnRow.id == inp.return_id)
            .values(status=inp.status.value, refunded=inp.refunded, outcome=inp.outcome, updated_at=inp.at)
        )
        uow.record(
            inp.order_id, f"{inp.return_id}:closed", f"return_{inp.status.value}", None, inp.at,
            reason=inp.reason,
            data={"return_id": inp.return_id, "refunded": str(inp.refunded), **inp.outcome},
        )  # fmt: skip
