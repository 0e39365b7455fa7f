"""Ship and deliver: book each parcel (on hold while the carrier refuses the address), then
follow the carrier's events to every parcel's end: late, lost, damaged, delivered."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.shipping import (
        BOOK_PARCEL,
        CORRECT_ADDRESS,
        RECORD_TRACKING,
        BookParcelInput,
        CorrectAddressInput,
        RecordTrackingInput,
        TrackingRecorded,
    )
    from domain.errors import ErrorCode
    from domain.orders import (
        AddressCorrection,
        OrderOutcome,
        OrderStart,
    )
    from domain.parcels import Parcel
    from domain.status import OrderStatus
    from domain.tracking import (
        FAILED,
        STOPPED,
        ParcelPolicy,
        TrackingEvent,
        TrackingStatus,
        moves_forward,
    )
    from workflows.refusals import failure_cause, refuse

from workflows.order.base import (
    ADDRESS_REFUSED,
    BOOKING_REFUSALS,
    CancelRequested,
    OrderBase,
)


class Shipping(OrderBase):
    @workflow.signal
    def carrier_event(self, event: TrackingEvent) -> None:
        if event.event_id not in self._seen_events:
            self._seen_events.add(event.event_id)
            self._inbox.append(event)

    @workflow.update
    async def correct_address(self, correction: AddressCorrection) -> None:
        """Support corrects the address the carrier refused; booking is tried again."""
        await self._step(
            CORRECT_ADDRESS,
            CorrectAddressInput(order_id=self._start.order_id, address=correction.address,
                                actor=correction.actor, at=workflow.now()),
        )  # fmt: skip
        self._address_corrections += 1

    @correct_address.validator
    def _validate_address(self, correction: AddressCorrection) -> None:
        if not self._on_hold:
            raise refuse(
                ErrorCode.ADDRESS_LOCKED, f"Order {self._start.order_id} is not on hold for its address"
            )

    async def _ship(self, start: OrderStart) -> bool:
        """Book every packed parcel, then follow them all to their end; whether any arrived."""
        for warehouse in self._packing or []:
            await self._book(warehouse)
        self._moved(OrderStatus.SHIPPED)
        while self._parcels.on_their_way():
            self._parcels_stopped = False
            # The carrier's news first: a delivery already heard of wins over a cancellation.
            if self._cancels.pending is not None and not self._inbox:
                await self._cancellation_meets_parcels(start)
                continue
            if self._inbox or await self._news_or_deadline(start):
                await self._carrier_news(start, self._inbox.pop(0))
        delivered = self._parcels.any_delivered()
        if self._cancels.pending is not None and not delivered:
            raise CancelRequested  # every parcel stopped or failed meanwhile: cancel as asked
        return delivered

    async def _cancellation_meets_parcels(self, start: OrderStart) -> None:
        """A cancellation is pending and no carrier news waits: it goes ahead, unless a parcel
        has arrived meanwhile; then it is refused and the parcels it held back are settled."""
        if not self._parcels.any_delivered():
            raise CancelRequested
        self._refuse_cancel("a parcel has been delivered meanwhile")
        while self._failed_while_cancelling:
            await self._parcel_failed(start, *self._failed_while_cancelling.pop(0))

    async def _news_or_deadline(self, start: OrderStart) -> bool:
        """Wait for carrier news, a cancellation or the next delivery SLA; whether news came
        (a passed SLA flags its parcels late)."""
        self._publish()
        deadline = self._parcels.next_deadline(start.delivery_sla)
        try:
            await workflow.wait_condition(
                lambda: bool(self._inbox) or self._parcels_stopped or self._cancels.pending is not None,
                timeout=None if deadline is None else max(deadline - workflow.now(), timedelta(0)),
            )
        except TimeoutError:
            await self._flag_late(start)
            return False
        return bool(self._inbox)  # else cancelled, or a cancellation stopped parcels: look again

    async def _carrier_news(self, start: OrderStart, event: TrackingEvent) -> None:
        """Apply one carrier event: never backwards, never to a parcel at its journey's end;
        recorded, then told to the customer and support."""
        parcel = self._parcels.get(event.tracking_number)
        if parcel is not None and parcel.stopped:
            if event.status is TrackingStatus.DELIVERED:
                # Stopped too late: the customer has the goods and their refund.
                why = f"parcel {event.tracking_number} was delivered after it was cancelled and refunded"
                await self._alert(
                    f"delivered-after-cancel:{event.tracking_number}", "delivered_after_cancel", why
                )
            return
        if parcel is None or not parcel.on_its_way or not moves_forward(parcel.status, event.status):
            return  # unknown, at the end of its journey, or old news
        parcel.status = event.status
        status = self._parcels.shipping_status()
        recorded: TrackingRecorded | None = await self._step(
            RECORD_TRACKING,
            RecordTrackingInput(
                order_id=self._start.order_id, event=event, order_status=status, at=workflow.now()
            ),
        )
        if recorded is not None and self._world_moved_on(parcel, recorded):
            return
        self._moved(status)
        if self._cancels.pending is not None and event.status in FAILED:
            # The cancellation settles it; should a delivery refuse the cancellation, the
            # parcel is reshipped or refunded then.
            self._failed_while_cancelling.append((event.tracking_number, event.status))
            return
        await self._tell(start, event)

    def _world_moved_on(self, parcel: Parcel, recorded: TrackingRecorded) -> bool:
        """What the database says once a carrier event is recorded, where it differs from what
        the workflow remembers: a cancellation whose workflow task was lost after its steps
        committed (its update with it) is taken up again, and a parcel it stopped, or any
        parcel of an order it closed, is news the cancellation has settled. Whether the event
        is done with."""
        stored = recorded.cancellation
        if stored is not None:
            self._cancels.ask_whole(stored)
        if recorded.parcel_status in STOPPED or recorded.order_status is OrderStatus.CANCELLED:
            parcel.stopped = True
            self._parcels_stopped = True
            return True
        return False

    async def _book(self, warehouse: str, replaces: str | None = None) -> str:
        """Book a parcel; while the carrier refuses the address, hold the order for support.
        Answers its tracking number. The customer hears a parcel is on its way; of a
        replacement, in the mail about the parcel it replaces."""
        while True:
            try:
                shipped = None if replaces else OrderStatus.SHIPPED
                booked = await self._step(
                    BOOK_PARCEL,
                    BookParcelInput(order_id=self._start.order_id, warehouse=warehouse, at=workflow.now(),
                                    replaces=replaces, order_status=shipped),
                    expected=BOOKING_REFUSALS if replaces else ADDRESS_REFUSED,
                )  # fmt: skip
                break
            except (ActivityError, ApplicationError) as err:
                cause = failure_cause(err)
                if cause is None or cause.type != ErrorCode.UNDELIVERABLE_ADDRESS:
                    raise
                await self._hold(cause.message)
        tn = booked.tracking_number
        self._parcels.add(Parcel(tn, warehouse, booked_at=workflow.now(), replacement=replaces is not None))
        if not replaces:
            await self._notify("parcel_shipped", tn, tracking_number=tn)
        return tn

    async def _hold(self, why: str) -> None:
        """Wait on hold until support corrects the address (an update), then book again."""
        n = self._address_corrections
        self._on_hold = True
        await self._record(f"on_hold:{n}", "order_on_hold", OrderStatus.ON_HOLD, reason=why)
        await self._alert(f"undeliverable:{n}", "undeliverable_address", why)
        self._publish()
        await self._wait(lambda: self._address_corrections > n)
        self._on_hold = False

    async def _flag_late(self, start: OrderStart) -> None:
        for parcel in self._parcels.overdue(workflow.now(), start.delivery_sla):
            parcel.late = True
            tn = parcel.tracking_number
            why = f"parcel {tn} not delivered within {start.delivery_sla}"
            await self._record(f"late:{tn}", "delivery_late", None, reason=why)
            await self._alert(f"late:{tn}", "delivery_late", why)
            await self._notify("parcel_delayed", tn, tracking_number=tn)

    async def _tell(self, start: OrderStart, event: TrackingEvent) -> None:
        """What a tracking event means for the customer and for support."""
        tn, status = event.tracking_number, event.status
        if status is TrackingStatus.DELAYED:
            await self._notify("parcel_delayed", tn, tracking_number=tn)
        elif status is TrackingStatus.DELIVERED:
            remaining = len(self._parcels.on_their_way())
            await self._notify("parcel_delivered", tn, tracking_number=tn, remaining=remaining)
        elif status in FAILED:
            await self._parcel_failed(start, tn, status)

    async def _parcel_failed(self, start: OrderStart, tn: str, status: TrackingStatus) -> None:
        """Lost, damaged or returned: send it again (once), or give the money back; the
        customer hears which, in one mail about the parcel."""
        parcel = self._parcels[tn]
        warehouse = parcel.warehouse
        why = f"parcel {tn} from {warehouse}: {status.value.replace('_', ' ')}"
        await self._alert(f"{status.value}:{tn}", status.value, why)
        if start.failed_parcel_policy is ParcelPolicy.RESHIP and not parcel.replacement:
            try:
                again = await self._book(warehouse, replaces=tn)
                await self._notify(
                    "parcel_failed", tn, failed=tn, failure=status.value, tracking_number=again
                )
                parcel.resolved = True
                return
            except (ActivityError, ApplicationError) as err:
                cause = failure_cause(err)
                if cause is None or cause.type != ErrorCode.INSUFFICIENT_STOCK:
                    raise
        # The parcel's capture, but never more than is left after goodwill refunds.
        amount = self._books.parcel_refund(warehouse)
        if amount > 0:
            outcome = await self._refund(f"parcel-{tn}", amount, why, warehouse=warehouse)
            await self._notify(
                "parcel_failed", tn, failed=tn, failure=status.value, refunded=str(outcome.refunded),
                credit_notes=", ".join(outcome.credit_notes),
            )  # fmt: skip
        else:
            await self._notify("parcel_failed", tn, failed=tn, failure=status.value)  # nothing left to refund
        parcel.resolved = True
        if self._parcels.shipping_status() is OrderStatus.DELIVERED:
            await self._record("delivered", "order_delivered", OrderStatus.DELIVERED)

    async def _close_refunded(self) -> OrderOutcome:
        """No parcel reached the customer, and every one was refunded."""
        why = "no parcel reached the customer; refunded"
        await self._record("cancelled", "order_cancelled", OrderStatus.CANCELLED, reason=why)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome(OrderStatus.CANCELLED, why)
