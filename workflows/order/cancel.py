"""Cancellation and compensation: a whole order before delivery, or whole parcels on their
way; what is undone is decided from what is stored."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.changes import (
        PARCEL_CONTENTS,
        STOP_PARCEL,
        StopParcelInput,
    )
    from contracts.inventory import PLAN_FULFILLMENTS
    from contracts.invoicing import ISSUE_INVOICE, IssueInvoiceInput
    from contracts.notifications import NOTIFY_CUSTOMER, NotifyInput
    from contracts.payments import (
        PAYMENT_BOOKS,
        VOID_PAYMENT,
        PaymentBooks,
        VoidInput,
    )
    from contracts.shipping import (
        PARCEL_STATES,
    )
    from domain.changes import (
        CANCEL_PREFIX,
        DELIVERED_OR_CLOSED,
        Cancellation,
        CancellationOutcome,
        OrderChange,
        cancellation_as_change,
    )
    from domain.errors import ErrorCode
    from domain.orders import (
        OrderOutcome,
    )
    from domain.parcels import parcels_holding
    from domain.status import OrderStatus
    from domain.tracking import (
        ENDED,
        STOPPED,
        TrackingStatus,
    )
    from workflows.refusals import business_rules, refuse

from workflows.order.base import (
    CANCELLATION_REFUND,
    OrderBase,
)


class Cancelling(OrderBase):
    @workflow.update
    async def cancel(self, request: Cancellation) -> CancellationOutcome:
        """Cancel the whole order, or some units, before delivery: stock back, the payment
        voided or refunded with credit notes, parcels stopped or recalled."""
        done = self._cancels.answer(request.reference)
        if done is not None:
            return done
        if request.lines is None:
            self._cancels.ask_whole(request)
            outcome = await self._cancelled_outcome(request.reference)
        elif self._parcels:
            outcome = await self._cancel_parcels(request)
        else:

            def fewer_units() -> OrderChange:
                # From the order as it is once this cancellation has the lock, not as validated.
                assert self._accepted is not None
                ordered = {ln.sku: ln.quantity for ln in self._accepted.quote.lines}
                return cancellation_as_change(ordered, request)

            change = await self._change_now(fewer_units, "items_cancelled")
            outcome = CancellationOutcome(reference=request.reference, status=self._status, change=change)
        self._cancels.answered[request.reference] = outcome
        return outcome

    @cancel.validator
    def _validate_cancel(self, request: Cancellation) -> None:
        if self._cancels.answer(request.reference) is not None:
            return
        if self._accepted is None:
            raise refuse(ErrorCode.NOT_EDITABLE, "The order has not been accepted")
        parcels_left = request.lines is not None and self._status is OrderStatus.PARTIALLY_DELIVERED
        if self._status in DELIVERED_OR_CLOSED and not parcels_left:
            raise refuse(
                ErrorCode.ALREADY_DELIVERED,
                f"Order {self._start.order_id} is {self._status.value}: send it back as a return instead",
            )
        if self._cancels.pending is not None and request.lines is not None:
            raise refuse(ErrorCode.ILLEGAL_TRANSITION, "The order is being cancelled already")
        if request.lines is not None and self._parcels:
            return  # parcels are on their way: whole ones may be stopped (checked against their contents)
        if request.lines is not None:
            self._check_editable()
            ordered = {ln.sku: ln.quantity for ln in self._accepted.quote.lines}
            with business_rules():
                cancellation_as_change(ordered, request)

    async def _cancel_parcels(self, request: Cancellation) -> CancellationOutcome:
        """Cancel units already on their way: whole parcels only. Each is stopped (booking
        cancelled, or recalled) and what its capture took for the goods is refunded; the rest
        goes on. A retry of the same reference finishes what an earlier attempt began."""
        assert request.lines is not None
        async with self._changing:
            chosen = self._cancels.parcels_chosen.get(request.reference)
            if chosen is None:
                chosen = await self._choose_parcels(request)
                on_their_way = {p.tracking_number for p in self._parcels.on_their_way()}
                if set(chosen) == on_their_way and not self._parcels.any_delivered():
                    chosen = {}  # everything still travelling: that is cancelling the order
                else:
                    self._cancels.parcels_chosen[request.reference] = chosen
            if chosen:
                refunded = await self._stop_parcels(request, chosen)
                return CancellationOutcome(
                    reference=request.reference, status=self._status, refunded=refunded
                )
            self._cancels.ask_whole(
                Cancellation(reference=request.reference, reason=request.reason, actor=request.actor)
            )
        return await self._cancelled_outcome(request.reference)

    async def _choose_parcels(self, request: Cancellation) -> dict[str, dict[str, int]]:
        """The parcels on their way that hold exactly the units asked for, with what each holds.
        The carrier's news about them is heard first (a delivery wins over a cancellation), and
        waited for, not refused: a refusal once the update is accepted would be the server's
        answer to every retry of the same request."""
        assert request.lines is not None

        def news_pending() -> bool:
            on_their_way = {p.tracking_number for p in self._parcels.on_their_way()}
            return any(ev.tracking_number in on_their_way for ev in self._inbox)

        await workflow.wait_condition(lambda: not news_pending())
        contents: dict[str, dict[str, int]] = await self._step(PARCEL_CONTENTS, self._start.order_id)
        on_their_way = {p.tracking_number for p in self._parcels.on_their_way()}
        travelling = {tn: c for tn, c in sorted(contents.items()) if tn in on_their_way}
        with business_rules():
            return parcels_holding(travelling, {line.sku: line.quantity for line in request.lines})

    async def _cancelled_outcome(self, reference: str) -> CancellationOutcome:
        """Wait for the whole-order cancellation this request joined, or its refusal."""
        round_ = self._cancels.round
        await workflow.wait_condition(
            lambda: self._status is OrderStatus.CANCELLED or self._cancels.was_refused(round_)
        )
        if self._status is not OrderStatus.CANCELLED and self._cancel_refused is not None:
            raise self._cancel_refused
        return CancellationOutcome(
            reference=reference,
            status=self._status,
            refunded=self._books.refunds.get(CANCELLATION_REFUND, Decimal(0)),
        )

    async def _stop_parcels(self, request: Cancellation, chosen: dict[str, dict[str, int]]) -> Decimal:
        await self._record(
            f"cancel:{request.reference}", "items_cancelled", None, reason=request.reason, actor=request.actor
        )
        refunded, notes = Decimal(0), []
        try:
            for tn in chosen:
                parcel = self._parcels[tn]
                if not parcel.stopped:
                    outcome = await self._step(
                        STOP_PARCEL,
                        StopParcelInput(order_id=self._start.order_id, tracking_number=tn,
                                        reason=request.reason, at=workflow.now()),
                    )  # fmt: skip
                    if outcome == TrackingStatus.DELIVERED.value:
                        continue  # the customer has it: a return, not a cancellation
                    parcel.stopped = True
                    self._cancels.units_stopped(chosen[tn])
                warehouse = parcel.warehouse
                reference = f"{CANCEL_PREFIX}{request.reference}-{warehouse}"
                amount = self._books.goods_paid_from(warehouse)
                if amount > 0 and self._books.refunded(reference) is None:
                    given = await self._refund(
                        reference, amount, request.reason, request.actor, warehouse, at_most_refundable=True
                    )
                    refunded += given.refunded
                    notes += given.credit_notes
            if refunded:
                await self._notify(
                    "refund_issued", f"cancel-{request.reference}", amount=str(refunded),
                    credit_notes=", ".join(notes),
                    reason=f"as asked, we cancelled what had not reached you yet ({request.reason}).",
                )  # fmt: skip
            if self._parcels.shipping_status() is OrderStatus.DELIVERED:
                await self._record("delivered", "order_delivered", OrderStatus.DELIVERED)
        finally:
            self._parcels_stopped = True  # the shipping loop looks again at what is still open
        return refunded

    def _refuse_cancel(self, why: str) -> None:
        """A cancellation accepted a moment before a parcel arrived: answer everyone waiting
        for it with a refusal."""
        self._cancel_refused = refuse(
            ErrorCode.ALREADY_DELIVERED,
            f"Order {self._start.order_id} cannot be cancelled: {why}; send it back as a return instead",
        )
        self._cancels.refuse_pending()

    async def _cancel_as_requested(self) -> OrderOutcome:
        """Support or the channel cancelled the order: stop the parcels on their way (cancel the
        booking, or recall the parcel), then undo the rest as any cancellation does."""
        request = self._cancels.pending
        assert request is not None
        async with self._changing:  # an edit in flight finishes (or fails) first
            return await self._cancel_requested(request)

    async def _cancel_requested(self, request: Cancellation) -> OrderOutcome:
        await self._record(
            f"cancel:{request.reference}",
            "cancellation_requested",
            None,
            reason=request.reason,
            actor=request.actor,
        )
        self._cancelling = True
        # The parcels the database knows, not those the workflow remembers: a lost task may
        # have booked one.
        stored: dict[str, str] = await self._step(PARCEL_STATES, self._start.order_id)
        for tn, status in stored.items():
            if status not in STOPPED and status not in ENDED:
                await self._step(
                    STOP_PARCEL,
                    StopParcelInput(order_id=self._start.order_id, tracking_number=tn,
                                    reason=request.reason, at=workflow.now()),
                )  # fmt: skip
        return await self._cancel(request.reason, actor=request.actor)

    async def _cancel(self, reason: str, actor: str | None = None) -> OrderOutcome:
        """Undo what the stored books say was done (money, then stock), record the
        cancellation and tell the customer why."""
        self._cancelling = True
        charged = await self._settle_payments(reason)
        await self._release_stock(reason)
        await self._record("cancelled", "order_cancelled", OrderStatus.CANCELLED, reason=reason, actor=actor)
        await self._step(
            NOTIFY_CUSTOMER,
            NotifyInput(order_id=self._start.order_id, kind="order_cancelled", reason=reason,
                        charged=charged, at=workflow.now()),
        )  # fmt: skip
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome(OrderStatus.CANCELLED, reason)

    async def _settle_payments(self, reason: str) -> bool:
        """A cancellation's money, from the stored books: every capture invoiced, then refunded
        with credit notes; every authorization still holding money voided. Whether anything had
        been captured."""
        order_id = self._start.order_id
        books: PaymentBooks = await self._step(PAYMENT_BOOKS, order_id)
        if books.uninvoiced:
            parcels = {p.warehouse: p for p in await self._step(PLAN_FULFILLMENTS, order_id)}
            for part, reference in books.uninvoiced.items():
                invoice = await self._step(
                    ISSUE_INVOICE,
                    IssueInvoiceInput(order_id=order_id, payment_reference=reference,
                                      fulfillment=parcels.get(part), at=workflow.now()),
                )  # fmt: skip
                self._invoice_number = invoice.number
        if books.captured > 0:
            await self._refund(CANCELLATION_REFUND, books.captured, reason, at_most_refundable=True)
        for authorization in books.open_authorizations:
            await self._step(
                VOID_PAYMENT,
                VoidInput(order_id=order_id, authorization=authorization, reason=reason, at=workflow.now()),
            )
        return books.captured > 0
