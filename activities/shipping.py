"""Booking parcels with the carrier (one per warehouse the order ships from, and a
replacement for one that never arrived), correcting the address the carrier refused, and
recording the tracking events the carrier sends back."""

from __future__ import annotations

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from temporalio import activity

from activities import parcels
from activities.failures import business_rules
from contracts.shipping import BookParcelInput, CorrectAddressInput, RecordTrackingInput, TrackingRecorded
from db import alerts, reservations, stock
from db.engine import Database
from db.models import Order, OrderEvent, Shipment
from db.unit_of_work import UnitOfWork, run_once, unit_of_work
from domain.changes import Cancellation
from domain.orders import Address, ShipmentBooked
from domain.status import TERMINAL, OrderStatus, can_move
from domain.tracking import ENDED, TrackingStatus, moves_forward
from providers.carrier import Carrier

log = structlog.get_logger()


def parcel_moves(stored: str, incoming: TrackingStatus) -> bool:
    """Whether a carrier event moves the stored parcel: forward only, and a parcel a
    cancellation stopped only when its journey ends (a cancelled booking only if delivered)."""
    if stored == "cancelled":
        return incoming is TrackingStatus.DELIVERED
    if stored == "recalled":
        return incoming in ENDED
    return moves_forward(TrackingStatus(stored), incoming)


def stored_cancellation(s: Session, order_id: str) -> Cancellation | None:
    """The whole cancellation recorded for the order, as it was asked for."""
    asked = s.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == order_id, OrderEvent.type == "cancellation_requested")
        .order_by(OrderEvent.id.desc())
        .limit(1)
    ).one_or_none()
    if asked is None:
        return None
    return Cancellation(reference=asked.key.removeprefix("cancel:"), reason=asked.reason or "cancelled",
                        actor=asked.actor)  # fmt: skip


class ShippingActivities:
    def __init__(self, db: Database, carrier: Carrier) -> None:
        self._db = db
        self._carrier = carrier

    @activity.defn
    @business_rules
    def book_parcel(self, inp: BookParcelInput) -> ShipmentBooked:
        """Book one warehouse's packed parcel, or a replacement for a parcel that never arrived
        (its units taken again from free stock first, so a replacement without stock is
        refused before anything is booked). Once per parcel, however often retried."""
        replacing = f":re:{inp.replaces}" if inp.replaces else ""
        shipment_id = f"{inp.order_id}:ship:{inp.warehouse}{replacing}"
        with self._db.reader() as s:
            order = s.get(Order, inp.order_id)
            assert order is not None, f"order {inp.order_id} has no row"
            recipient = Address.model_validate(order.shipping_address)
            grams = reservations.parcel_weight(s, inp.order_id, inp.warehouse)
            units: dict[str, int] = {}
            if inp.replaces is not None:
                lost = s.scalars(select(Shipment).where(Shipment.tracking_number == inp.replaces)).one()
                grams = lost.weight_grams or grams
                units = reservations.shipped_units(s, inp.order_id, inp.warehouse)
        if inp.replaces is not None:
            # The lost parcel's units once more, from free stock: refused before anything is booked.
            run_once(
                self._db,
                inp.order_id,
                f"take:{shipment_id}",
                None,
                lambda uow: stock.reship(uow.session, inp.order_id, shipment_id, inp.warehouse, units),
            )
        booked = parcels.book(
            self._db,
            self._carrier,
            parcels.Parcel(order_id=inp.order_id, warehouse=inp.warehouse, shipment_id=shipment_id,
                           recipient=recipient, grams=grams, at=inp.at,
                           ships=None if inp.replaces else inp.order_id, replaces=inp.replaces),
            parcels.BookedEvent(
                key=f"booked:{inp.warehouse}{replacing}",
                type="parcel_reshipped" if inp.replaces else "parcel_booked",
                status=inp.order_status,
                data={"warehouse": inp.warehouse, "replaces": inp.replaces, "weight_grams": grams},
            ),
        )  # fmt: skip
        log.info("parcel booked", tracking=booked.tracking_number, replaces=inp.replaces)
        return booked

    @activity.defn
    @business_rules
    def correct_address(self, inp: CorrectAddressInput) -> None:
        key = f"address:{inp.at.isoformat()}"
        run_once(self._db, inp.order_id, key, None, lambda uow: self._correct(uow, inp, key))

    def _correct(self, uow: UnitOfWork, inp: CorrectAddressInput, key: str) -> None:
        order = uow.order(inp.order_id, lock=True)
        before = order.shipping_address
        order.shipping_address = inp.address.model_dump(mode="json")
        uow.record(inp.order_id, key, "address_corrected", None, inp.at, actor=inp.actor,
                   data={"before": before, "after": order.shipping_address})  # fmt: skip
        # The carrier's refusal is answered: the order books again (and is alerted anew
        # should the carrier refuse this address too).
        alerts.resolve(uow.session, inp.order_id, inp.at, "address corrected", kind="undeliverable_address",
                       actor=inp.actor)  # fmt: skip

    @activity.defn
    @business_rules
    def record_tracking(self, inp: RecordTrackingInput) -> TrackingRecorded | None:
        """Record a carrier event; answers what is stored afterwards. A parcel never moves
        backwards (one cancelled, recalled or booked back stays so until its journey ends), and
        an order closed meanwhile (by a cancellation whose workflow task was lost after its steps
        committed) keeps its status: the event joins the timeline, and the workflow learns what
        the database says instead of failing on it."""
        ev = inp.event
        with unit_of_work(self._db) as uow:
            s = uow.session
            parcel = s.scalars(
                select(Shipment).where(Shipment.tracking_number == ev.tracking_number).with_for_update()
            ).one()
            stored = OrderStatus(s.execute(select(Order.status).where(Order.id == inp.order_id)).scalar_one())
            parcel_moved = parcel_moves(parcel.status, ev.status)
            if parcel_moved:
                values: dict[str, object] = {"status": ev.status.value, "updated_at": inp.at}
                if ev.status is TrackingStatus.DELIVERED:
                    values["delivered_at"] = ev.occurred_at
                s.execute(update(Shipment).where(Shipment.id == parcel.id).values(**values))
            # Only a closed order keeps its status; any other illegal move is a bug that fails.
            moves = stored is inp.order_status or can_move(stored, inp.order_status) or stored not in TERMINAL
            uow.record(
                inp.order_id,
                f"tracking:{ev.event_id}",
                f"parcel_{ev.status.value}",
                inp.order_status if moves else None,
                inp.at,
                actor="carrier",
                data={
                    "tracking_number": ev.tracking_number,
                    "occurred_at": ev.occurred_at.isoformat(),
                    "location": ev.location,
                },
            )
            if parcel_moved and ev.status in ENDED:
                # Late no more: delivered after all, or lost, damaged or back (alerted on its own).
                why = f"parcel {ev.tracking_number} {ev.status.value.replace('_', ' ')}"
                alerts.resolve(s, inp.order_id, inp.at, why, keys=[f"alert:late:{ev.tracking_number}"])
            if not moves:
                log.info(
                    "carrier event after the order closed",
                    status=stored.value,
                    carrier_status=ev.status.value,
                )
            return TrackingRecorded(
                order_status=inp.order_status if moves else stored,
                parcel_status=parcel.status,
                cancellation=stored_cancellation(s, inp.order_id),
            )

    @activity.defn
    @business_rules
    def parcel_states(self, order_id: str) -> dict[str, str]:
        """Every parcel booked for the order with its stored status: what a cancellation stops
        is decided from this, not from what the workflow remembers."""
        with self._db.reader() as s:
            return dict(
                s.execute(
                    select(Shipment.tracking_number, Shipment.status)
                    .where(Shipment.order_id == order_id)
                    .order_by(Shipment.booked_at, Shipment.tracking_number)
                ).all()
            )
