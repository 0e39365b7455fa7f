"""Each planned order lived through the real activities, in the past: the steps its workflow
would have taken (accept, authorize, pick, pack, capture, invoice, book, the carrier's
events, feedback, a return and its refund, completion or cancellation), each at its moment.
So every row is written by the code that writes it for live orders, with its numbers,
ledger movements and timeline, and the order ends closed: a closed order's workflow is gone.

An order's life is a generator that yields the moment of its next step; `live_all` runs
the steps of all orders in time order, so gap-free invoice numbers follow their dates. No
customer mail is written: those mails were never sent."""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.fulfillment import FulfillmentActivities
from activities.intake import IntakeActivities
from activities.inventory import InventoryActivities
from activities.invoicing import InvoicingActivities
from activities.order_log import OrderLogActivities
from activities.payments import PaymentActivities
from activities.refunds import RefundActivities
from activities.returns import ReturnActivities
from activities.shipping import ShippingActivities
from contracts.fulfillment import OpenFulfillmentsInput, PackedInput
from contracts.intake import AcceptOrderInput
from contracts.inventory import ReleaseStockInput
from contracts.invoicing import IssueInvoiceInput
from contracts.order_log import RecordEventInput
from contracts.payments import AuthorizeInput, CaptureInput, VoidInput
from contracts.refunds import RefundInput
from contracts.returns import (
    CloseReturnInput,
    DecideReturnInput,
    OpenReturnInput,
    ReceiveReturnInput,
    ReturnStepInput,
)
from contracts.shipping import BookParcelInput, RecordTrackingInput
from db import feedback, payment_tokens, stock
from db.engine import Database
from db.models import StockLevel
from domain.orders import SYSTEM_ACTOR, AcceptedOrder, FeedbackRequest, order_id_for
from domain.parcels import Parcel, Parcels
from domain.returns import (
    Decision,
    InspectedItem,
    Inspection,
    ReceiveReturn,
    ReturnLine,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    auto_approved,
    goods_worth,
    whole_order_back,
)
from domain.status import OrderStatus
from domain.tracking import JOURNEY, TrackingEvent
from providers import adapters
from settings import Settings
from starter.dev.history.carrier import HistoryCarrier
from starter.dev.history.plan import RETURN_NOTES, Fate, PlannedOrder, ReturnPlan, Windows

log = structlog.get_logger()

STEP = timedelta(seconds=2)  # between steps a workflow takes at once
SUPPORT = "support-desk (support)"


def _warehouse_actor(warehouse: str) -> str:
    return f"warehouse-{warehouse} (warehouse)"


class Activities:
    """The activities an order's life calls, bound as the worker binds them, but to the
    history's carrier."""

    def __init__(self, db: Database, settings: Settings) -> None:
        carrier = HistoryCarrier(db)
        gateway = adapters.payment_gateway(db, settings)
        self.intake = IntakeActivities(db, settings)
        self.payments = PaymentActivities(db, gateway)
        self.fulfillment = FulfillmentActivities(db)
        self.inventory = InventoryActivities(db)
        self.invoicing = InvoicingActivities(db, settings)
        self.refunds = RefundActivities(db, gateway, self.invoicing)
        self.shipping = ShippingActivities(db, carrier)
        self.returns = ReturnActivities(db, carrier, settings)
        self.log = OrderLogActivities(db)


class OrderLife:
    def __init__(self, db: Database, settings: Settings, run: Activities, planned: PlannedOrder) -> None:
        self._db = db
        self._settings = settings
        self._run = run
        self._plan = planned
        self._windows = Windows.of(settings)
        self.order_id = order_id_for(planned.request.channel, planned.request.external_id)
        self._now = planned.placed_at - STEP

    def _at(self, moment: datetime) -> datetime:
        """The moment of the next step: as planned, but never before the step before it (a
        window of seconds in the settings squeezes a plan made of fractions of it)."""
        self._now = max(moment, self._now + STEP)
        return self._now

    def _next(self) -> datetime:
        """The moment of a step that follows the last one at once."""
        return self._at(self._now)

    def steps(self) -> Iterator[datetime]:
        """Yields when the next step happens; resumed, it takes that step."""
        plan, w = self._plan, self._windows
        yield self._at(plan.placed_at)
        accepted = self._accept(self._now)
        yield self._next()
        auth = self._run.payments.authorize_payment(
            AuthorizeInput(
                order_id=self.order_id,
                amount=accepted.quote.grand_total,
                currency=accepted.quote.currency,
                at=self._now,
            )
        )
        if not auth.approved:
            yield self._next()
            self._cancel(f"payment declined: {auth.decline_code}")
            return
        yield self._next()
        opened = OpenFulfillmentsInput(order_id=self.order_id, at=self._now)
        warehouses = self._run.fulfillment.open_fulfillments(opened)
        if plan.fate is Fate.CANCELLED:  # the customer calls while the warehouses pick
            yield self._at(plan.placed_at + w.pack * plan.packing * 0.4)
            self._cancel_requested(plan.cancel_reason or "customer changed their mind")
            return
        yield self._at(plan.placed_at + w.pack * plan.packing)
        self._pack_pay_and_invoice(warehouses, auth.reference or "")
        yield self._next()
        parcels = self._book(warehouses)
        yield from self._journey(parcels, delivered=self._now + w.sla * plan.journey)
        delivered = self._now
        yield from self._after_delivery(accepted, delivered)
        yield self._at(delivered + w.returns)
        self._record("completed", "order_completed", OrderStatus.COMPLETED)

    # --- intake and payment -------------------------------------------------------

    def _accept(self, at: datetime) -> AcceptedOrder:
        request = self._plan.request
        with self._db.transaction() as s:
            payment_tokens.keep(s, self.order_id, self._plan.payment_token, at)
            _restock_for(s, self.order_id, {line.sku: line.quantity for line in request.lines})
        return self._run.intake.accept_order(AcceptOrderInput(request=request, at=at))

    def _pack_pay_and_invoice(self, warehouses: list[str], authorization: str) -> None:
        """Each parcel packed; then, as the workflow does once all are, each captured for its
        share, and then each capture invoiced."""
        at = self._now
        for warehouse in warehouses:
            self._run.fulfillment.confirm_packed(
                PackedInput(
                    order_id=self.order_id, warehouse=warehouse, actor=_warehouse_actor(warehouse), at=at
                )
            )
        parcels = self._run.inventory.plan_fulfillments(self.order_id)
        captures = [
            self._run.payments.capture_payment(
                CaptureInput(order_id=self.order_id, authorization=authorization, amount=parcel.amount,
                             fulfillment=parcel.warehouse, at=at)
            )
            for parcel in parcels
        ]  # fmt: skip
        for parcel, capture in zip(parcels, captures, strict=True):
            self._run.invoicing.issue_invoice(
                IssueInvoiceInput(order_id=self.order_id, payment_reference=capture.reference or "",
                                  fulfillment=parcel, at=at)
            )  # fmt: skip

    def _cancel_requested(self, reason: str) -> None:
        """Support cancelled it at the customer's call while the warehouses were picking."""
        reference = f"CXL-{self._plan.request.external_id}"
        self._record(f"cancel:{reference}", "cancellation_requested", None, reason=reason, actor=SUPPORT)
        self._cancel(reason, actor=SUPPORT)

    def _cancel(self, reason: str, actor: str = SYSTEM_ACTOR) -> None:
        """As a cancellation undoes an order that was not captured: the authorization voided,
        the stock released, the cancellation recorded (picking stops with it)."""
        at = self._now
        for authorization in self._run.payments.payment_books(self.order_id).open_authorizations:
            self._run.payments.void_payment(
                VoidInput(order_id=self.order_id, authorization=authorization, reason=reason, at=at)
            )
        self._run.inventory.release_stock(ReleaseStockInput(order_id=self.order_id, reason=reason, at=at))
        self._record("cancelled", "order_cancelled", OrderStatus.CANCELLED, reason=reason, actor=actor)

    # --- shipping -------------------------------------------------------------------

    def _book(self, warehouses: list[str]) -> Parcels:
        parcels, at = Parcels(), self._now
        for warehouse in warehouses:
            booked = self._run.shipping.book_parcel(
                BookParcelInput(
                    order_id=self.order_id, warehouse=warehouse, at=at, order_status=OrderStatus.SHIPPED
                )
            )
            parcels.add(Parcel(booked.tracking_number, warehouse, booked_at=at))
        return parcels

    def _journey(self, parcels: Parcels, delivered: datetime) -> Iterator[datetime]:
        """The carrier's events, evenly spread until delivery; parcels past their SLA are
        flagged late (and support alerted) on the way, as the workflow's timer does."""
        shipped, flagged = self._now, False
        sla_passed = shipped + self._windows.sla
        for n, status in enumerate(JOURNEY, start=1):
            planned = shipped + (delivered - shipped) * n / len(JOURNEY)
            if planned > sla_passed and not flagged:
                yield self._at(sla_passed)
                self._flag_late(parcels)
                flagged = True
            yield self._at(planned)
            at = self._now
            for parcel in parcels:
                parcel.status = status
                event = TrackingEvent(
                    event_id=f"{parcel.tracking_number}-{n}",
                    tracking_number=parcel.tracking_number,
                    status=status,
                    occurred_at=at,
                )
                self._run.shipping.record_tracking(
                    RecordTrackingInput(
                        order_id=self.order_id, event=event, order_status=parcels.shipping_status(), at=at
                    )
                )

    def _flag_late(self, parcels: Parcels) -> None:
        for parcel in parcels:
            tn = parcel.tracking_number
            why = f"parcel {tn} not delivered within {self._windows.sla}"
            self._record(f"late:{tn}", "delivery_late", None, reason=why)
            self._record(
                f"alert:late:{tn}", "support_alerted", None, reason=why, data={"kind": "delivery_late"}
            )

    # --- after delivery ----------------------------------------------------------------

    def _after_delivery(self, accepted: AcceptedOrder, delivered: datetime) -> Iterator[datetime]:
        plan, w = self._plan, self._windows
        moments: list[tuple[datetime, str]] = []
        if plan.rating is not None:
            moments.append((delivered + w.feedback * plan.answers, "feedback"))
        if plan.returned is not None:
            moments.append((delivered + w.returns * plan.returned.asked, "return"))
        for at, what in sorted(moments):
            yield self._at(at)
            if what == "feedback":
                self._rate()
            else:
                assert plan.returned is not None
                yield from self._return(accepted, plan.returned)

    def _rate(self) -> None:
        assert self._plan.rating is not None
        rated = FeedbackRequest(rating=self._plan.rating, comment=self._plan.comment)
        with self._db.transaction() as s:
            feedback.record(s, self.order_id, rated, self._now)

    def _return(self, accepted: AcceptedOrder, returned: ReturnPlan) -> Iterator[datetime]:
        """A return of one line, as the order's and the return's workflows take it: opened,
        approved (by the rules or by support), labelled, received, refunded, closed."""
        quote, settings, run = accepted.quote, self._settings, self._run
        return_id = f"{self.order_id}-R1"
        request = ReturnRequest(
            reference=f"RMA-{self._plan.request.external_id}",
            lines=[
                ReturnLine(sku=sku, quantity=n, reason=returned.reason) for sku, n in returned.units.items()
            ],
            note=RETURN_NOTES[returned.reason],
            actor="customer",
        )
        value = goods_worth(quote, returned.units, {})
        approved = auto_approved(
            request, value, ReturnPolicy(auto_approve_limit=settings.return_auto_approve_limit)
        )
        run.returns.open_return(
            OpenReturnInput(
                order_id=self.order_id,
                return_id=return_id,
                request=request,
                approved=approved,
                value=value,
                at=self._now,
            )
        )
        step = ReturnStepInput(order_id=self.order_id, return_id=return_id, at=self._now)
        if not approved:
            yield self._at(self._now + self._windows.returns * 0.02)
            decision = Decision(approve=True, reason="approved as a goodwill gesture", actor=SUPPORT)
            run.returns.decide_return(
                DecideReturnInput(
                    order_id=self.order_id, return_id=return_id, decision=decision, at=self._now
                )
            )
            step = step.model_copy(update={"at": self._now})
        run.returns.send_return_label(step)
        yield self._at(self._now + self._windows.returns * returned.travel)
        yield from self._receive(accepted, request, return_id)

    def _receive(self, accepted: AcceptedOrder, request: ReturnRequest, return_id: str) -> Iterator[datetime]:
        """The warehouse the goods left from books them in (damaged ones written off); the
        accepted units are refunded, with the shipping too when the whole order came back."""
        run, quote = self._run, accepted.quote
        shipped_from = {r.sku: r.warehouse for r in accepted.reservations}
        first = request.lines[0]
        outcome = Inspection.DAMAGED if first.reason is ReturnReason.DAMAGED else Inspection.RESELLABLE
        receipt = ReceiveReturn(
            warehouse=shipped_from[first.sku],
            items=[
                InspectedItem(sku=line.sku, quantity=line.quantity, outcome=outcome) for line in request.lines
            ],
            actor=_warehouse_actor(shipped_from[first.sku]),
        )
        units = run.returns.receive_return(
            ReceiveReturnInput(
                order_id=self.order_id, return_id=return_id, request=request, receipt=receipt, at=self._now
            )
        )
        yield self._next()
        worth = goods_worth(quote, units, {})
        ordered = {line.sku: line.quantity for line in quote.lines}
        if self._settings.refund_shipping_on_full_return and whole_order_back(ordered, units):
            worth += quote.shipping.total
        refunded = Decimal(0)
        if worth > 0:
            refunded = run.refunds.refund_payment(
                RefundInput(
                    order_id=self.order_id,
                    amount=worth,
                    reason="returned goods",
                    reference=return_id,
                    actor=SYSTEM_ACTOR,
                    at_most_refundable=True,
                    at=self._now,
                )
            ).refunded
        run.returns.close_return(
            CloseReturnInput(
                order_id=self.order_id,
                return_id=return_id,
                status=ReturnStatus.CLOSED,
                refunded=refunded,
                outcome={"refunded": str(refunded)},
                at=self._now,
            )
        )

    def _record(
        self,
        key: str,
        type: str,
        status: OrderStatus | None,
        reason: str | None = None,
        actor: str = SYSTEM_ACTOR,
        data: dict[str, str] | None = None,
    ) -> None:
        self._run.log.record_event(
            RecordEventInput(
                order_id=self.order_id,
                key=key,
                type=type,
                status=status,
                at=self._now,
                actor=actor,
                reason=reason,
                data=data or {},
            )
        )


def _restock_for(s: Session, order_id: str, wanted: dict[str, int]) -> None:
    """Goods received before an order that stock could not cover: the warehouse holding
    most of the SKU gets its reorder quantity (at least what is missing), so the history
    sells from stock and the ledger records every unit."""
    for sku, quantity in sorted(wanted.items()):
        levels = s.execute(
            select(StockLevel.warehouse, StockLevel.on_hand, StockLevel.reserved, StockLevel.reorder_quantity)
            .where(StockLevel.sku == sku)
            .order_by(StockLevel.on_hand.desc(), StockLevel.warehouse)
        ).all()
        if not levels:
            continue  # not a product stocked anywhere: the order is refused as it would be
        available = sum(on_hand - reserved for _, on_hand, reserved, _ in levels)
        if available < quantity:
            warehouse, _, _, reorder = levels[0]
            stock.receive(
                s, sku, warehouse, max(reorder, quantity - available), reference=f"history:{order_id}"
            )


def live_all(lives: list[OrderLife]) -> int:
    """Run every life's steps in the order of their moments; answers how many lives ran."""
    queue: list[tuple[datetime, int, Iterator[datetime]]] = []
    for n, life in enumerate(lives):
        steps = life.steps()
        heapq.heappush(queue, (next(steps), n, steps))
    while queue:
        _, n, steps = heapq.heappop(queue)
        with contextlib.suppress(StopIteration):  # that life has ended
            heapq.heappush(queue, (next(steps), n, steps))
    return len(lives)
