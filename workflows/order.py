"""The order workflow: one per customer order, from acceptance to the end of the return
window. Each step is a local activity (a short database transaction or gateway call), so
an order costs few round trips to the Temporal server."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from contracts.alerts import RESOLVE_ALERTS, ResolveAlertsInput
    from contracts.changes import (
        APPLY_CHANGE,
        PARCEL_CONTENTS,
        PLAN_CHANGE,
        STOP_PARCEL,
        ApplyChangeInput,
        PlanChangeInput,
        StopParcelInput,
    )
    from contracts.fulfillment import (
        CONFIRM_PACKED,
        OPEN_FULFILLMENTS,
        PACKED_PARCELS,
        OpenFulfillmentsInput,
        PackedInput,
        ParcelPacked,
    )
    from contracts.intake import ACCEPT_ORDER, AcceptOrderInput
    from contracts.inventory import PLAN_FULFILLMENTS, RELEASE_STOCK, WAITING_BACKORDERS, ReleaseStockInput
    from contracts.invoicing import ISSUE_INVOICE, IssueInvoiceInput
    from contracts.notifications import NOTIFY_CUSTOMER, NotifyInput
    from contracts.order_log import RECORD_EVENT, RecordEventInput
    from contracts.payments import (
        AUTHORIZE_PAYMENT,
        CAPTURE_PAYMENT,
        PAYMENT_BOOKS,
        SETTLE_PAYMENT,
        VOID_PAYMENT,
        AuthorizeInput,
        CaptureInput,
        PaymentBooks,
        SettlePaymentInput,
        VoidInput,
    )
    from contracts.refunds import REFUND_PAYMENT, RefundInput, RefundOutcome
    from contracts.returns import OPEN_RETURN, OpenReturnInput
    from contracts.shipping import (
        BOOK_PARCEL,
        CORRECT_ADDRESS,
        PARCEL_STATES,
        RECORD_TRACKING,
        BookParcelInput,
        CorrectAddressInput,
        RecordTrackingInput,
        TrackingRecorded,
    )
    from contracts.step import In, Out, Step
    from domain.books import MoneyBooks
    from domain.changes import (
        CANCEL_PREFIX,
        DELIVERED_OR_CLOSED,
        Cancellation,
        CancellationOutcome,
        ChangeOutcome,
        OrderChange,
        cancellation_as_change,
        check_editable,
    )
    from domain.errors import ErrorCode
    from domain.fulfillment import Fulfillment
    from domain.orders import (
        SYSTEM_ACTOR,
        AcceptedOrder,
        AddressCorrection,
        BackorderPolicy,
        ExpiredAuthorization,
        OrderOutcome,
        OrderProgress,
        OrderStart,
        PackConfirmation,
        PaymentEvent,
        PaymentOutcome,
        PlaceOrder,
        RefundRequest,
    )
    from domain.parcels import Parcel, Parcels, parcels_holding
    from domain.returns import (
        ReturnPolicy,
        ReturnRequest,
        ReturnStatus,
        auto_approved,
        check_returnable,
        goods_worth,
        returnable,
    )
    from domain.status import OrderStatus
    from domain.tracking import (
        ENDED,
        FAILED,
        STOPPED,
        ParcelPolicy,
        TrackingEvent,
        TrackingStatus,
        moves_forward,
    )
    from workflows.refusals import business_rules, failure_cause, refuse
    from workflows.refusals import refusal as _refusal
    from workflows.returns import (
        ReturnOutcome,
        ReturnStart,
        ReturnWorkflow,
        return_search_attributes,
        return_summary,
        return_workflow_id,
    )
    from workflows.search_attributes import ORDER_STATUS
    from workflows.steps import Runner, run_activity, run_step


ORDER_CLOSING = "order_closing"


# Set in the lifecycle's own task: a step failing there parks the order; in an update
# handler the failure goes back to the caller instead.
_PARKS = contextvars.ContextVar("parks", default=False)
STEPS_PARKED = "ordino_steps_parked"  # a counter on the worker's metrics endpoint


class CancelRequested(Exception):
    """Raised at a wait when support or the channel asked to cancel the whole order."""


CANCELLATION_REFUND = "cancellation"  # the refund reference of a whole cancellation
# What the carrier (and, for a replacement, the stock) may answer a booking: handled where
# the parcel is booked.
ADDRESS_REFUSED = frozenset({ErrorCode.UNDELIVERABLE_ADDRESS.value})
BOOKING_REFUSALS = ADDRESS_REFUSED | {ErrorCode.INSUFFICIENT_STOCK.value}
# A step parked by an outage (the database or mail server down, a timeout) tries again on
# its own after this; one parked on bad data waits for support.
OUTAGE_RETRY = timedelta(minutes=5)
DEPENDENCY_UNAVAILABLE = "DependencyUnavailable"
# The longest a packing order goes without looking for a confirmation it missed.
PACK_RECHECK_CAP = timedelta(days=1)


@workflow.defn
class OrderWorkflow:
    @workflow.init
    def __init__(self, start: OrderStart) -> None:
        self._start = start
        self._status = OrderStatus.RECEIVED
        self._request: PlaceOrder | None = None
        self._accepted: AcceptedOrder | None = None
        self._rejected: ApplicationError | None = None
        self._accepting = asyncio.Lock()
        self._inbox: list[TrackingEvent] = []
        self._seen_events: set[str] = set()
        self._parcels = Parcels()
        self._published: OrderStatus | None = None
        self._stock_arrived = False
        # The money: captures and refunds (by reference, with what each answered).
        self._books = MoneyBooks()
        self._refund_outcomes: dict[str, RefundOutcome] = {}
        self._refunding = asyncio.Lock()
        self._payment_events: dict[str, PaymentEvent] = {}
        self._invoice_number: str | None = None
        # Parcels: the warehouses packing them, and each parcel's journey.
        self._packing: list[str] | None = None
        self._packed: dict[str, ParcelPacked] = {}
        self._on_hold = False
        self._address_corrections = 0
        # Returns: id per request reference, units each SKU has in returns that are not
        # refused, where the next return's share of each line starts, and those still open.
        self._returns: dict[str, str] = {}
        self._units_in_returns: dict[str, int] = {}
        self._return_offsets: dict[str, int] = {}
        self._open_returns: set[str] = set()
        self._return_tasks: list[asyncio.Task[None]] = []
        self._return_window_ends: datetime | None = None
        self._accepted_back: dict[str, int] = {}
        # Changes: the authorization in force (an edit may replace it), edits and
        # cancellations done per reference, and a whole-order cancellation asked for.
        self._auth: PaymentOutcome | None = None
        self._authorized_at = datetime.min
        self._changes: dict[str, tuple[OrderChange, ChangeOutcome]] = {}
        self._changing = asyncio.Lock()
        self._cancel_request: Cancellation | None = None
        # Set when a cancellation came too late (a parcel arrived meanwhile): its answer.
        self._cancel_refused: ApplicationError | None = None
        self._cancellations: dict[str, CancellationOutcome] = {}
        self._parcel_cancels: dict[str, dict[str, dict[str, int]]] = {}
        self._units_cancelled: dict[str, int] = {}
        # Whole-order cancellations: each request joins the current round; a refusal answers
        # every request of its round.
        self._cancel_round = 0
        self._refused_round = -1
        self._parcels_stopped = False
        # The step the order is parked on with why, support's retries, and whether it is
        # cancelling.
        self._parked: str | None = None
        self._retries = 0
        self._cancelling = False
        self._failed_while_cancelling: list[tuple[str, TrackingStatus]] = []

    # --- messages -----------------------------------------------------------------

    @workflow.update
    async def accept(self, request: PlaceOrder) -> AcceptedOrder:
        """Price, tax and reserve; answers with the accepted order or a coded rejection."""
        async with self._accepting:
            if self._accepted is not None:
                return self._accepted
            if self._rejected is not None:
                raise self._rejected
            try:
                accepted = await self._step(
                    ACCEPT_ORDER, AcceptOrderInput(request=request, at=workflow.now())
                )
            except (ActivityError, ApplicationError) as err:
                rejection = _refusal(err)
                if not (isinstance(rejection, ApplicationError) and rejection.non_retryable):
                    raise
                self._rejected = rejection
                raise self._rejected from None
            self._request, self._accepted = request, accepted
            self._moved(accepted.status)
            self._publish()
            return accepted

    @accept.validator
    def _validate_accept(self, request: PlaceOrder) -> None:
        if request.order_id != self._start.order_id:
            raise ValueError(f"this workflow is order {self._start.order_id}, not {request.order_id}")
        if self._rejected is not None:
            # This run is closing; the caller starts a fresh one once it has.
            raise ApplicationError("the order was rejected and is closing", type=ORDER_CLOSING)
        if self._accepted is not None and request.fingerprint() != self._accepted.request_fingerprint:
            # Refused here, the conflicting request leaves no trace in the order's history.
            raise refuse(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                f"Order {request.external_id} of channel {request.channel} was placed before with "
                "different content",
                {"order_id": self._start.order_id},
            )

    @workflow.signal
    def carrier_event(self, event: TrackingEvent) -> None:
        if event.event_id not in self._seen_events:
            self._seen_events.add(event.event_id)
            self._inbox.append(event)

    @workflow.update
    async def refund(self, request: RefundRequest) -> RefundOutcome:
        """Give money back (a goodwill refund by support) with a credit note per invoice."""
        outcome = await self._refund(
            request.reference, request.amount, request.reason, request.actor, goodwill=True
        )
        # Once per reference (the outbox key), however often the same refund is asked for.
        # Tried until it is out: a refund answered as failed, though made, invites a second
        # one; a mail outage answers `update_timeout` instead, and the same request again
        # gets the refund once the mail is out.
        await self._notify(
            "goodwill_refund", request.reference, until_sent=True, amount=str(outcome.refunded),
            credit_notes=", ".join(outcome.credit_notes), reason=request.reason,
        )  # fmt: skip
        return outcome

    @refund.validator
    def _validate_refund(self, request: RefundRequest) -> None:
        with business_rules():
            self._books.check_goodwill(request.reference, request.amount)

    @workflow.update
    async def confirm_packed(self, confirmation: PackConfirmation) -> ParcelPacked:
        """A warehouse packed its parcel of this order; answers with the parcel's weight."""
        async with self._changing:  # never pack while an edit changes what is in the parcel
            done = self._packed.get(confirmation.warehouse)
            if done is not None:
                return done
            if confirmation.warehouse not in (self._packing or []):
                raise refuse(
                    ErrorCode.UNKNOWN_FULFILLMENT,
                    f"Order {self._start.order_id} no longer ships from {confirmation.warehouse}",
                )
            packed_input = PackedInput(order_id=self._start.order_id, warehouse=confirmation.warehouse,
                                       actor=confirmation.actor, at=workflow.now())  # fmt: skip
            # A regular activity: a confirmation lost with its workflow task wrote nothing,
            # so the warehouse, still seeing the parcel picking, confirms again.
            packed = await run_activity(CONFIRM_PACKED, packed_input)
            self._packed[confirmation.warehouse] = packed
            return packed

    @confirm_packed.validator
    def _validate_packed(self, confirmation: PackConfirmation) -> None:
        if self._packing is None:
            raise refuse(
                ErrorCode.NOT_PACKING, f"Order {self._start.order_id} is not being picked and packed"
            )
        if confirmation.warehouse not in self._packing:
            raise refuse(
                ErrorCode.UNKNOWN_FULFILLMENT,
                f"Order {self._start.order_id} ships nothing from {confirmation.warehouse}",
                {"warehouses": self._packing},
            )

    @workflow.update
    async def retry_parked(self, actor: str) -> str:
        """Support fixed what a parked step kept failing on: run it again. Answers the step."""
        parked = self._parked or ""
        self._retries += 1
        return parked

    @retry_parked.validator
    def _validate_retry(self, actor: str) -> None:
        if self._parked is None:
            raise refuse(ErrorCode.NOT_PARKED, f"Order {self._start.order_id} has no parked step")

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

    @workflow.update
    async def request_return(self, request: ReturnRequest) -> str:
        """Record a return and start its workflow; answers with the return's id."""
        if request.reference in self._returns:
            return self._returns[request.reference]
        assert self._accepted is not None and self._request is not None
        start, quote = self._start, self._accepted.quote
        # Checked again here: two requests validated together must not share the same units.
        self._validate_return(request)
        return_id = f"{start.order_id}-R{len(self._returns) + 1}"
        self._returns[request.reference] = return_id
        units = {line.sku: line.quantity for line in request.lines}
        before = {sku: self._return_offsets.get(sku, 0) for sku in units}
        for sku, n in units.items():
            self._units_in_returns[sku] = self._units_in_returns.get(sku, 0) + n
            self._return_offsets[sku] = before[sku] + n
        value = goods_worth(quote, units, before)
        policy = ReturnPolicy(auto_approve_limit=start.return_auto_approve_limit)
        approved = auto_approved(request, value, policy)
        await self._step(
            OPEN_RETURN,
            OpenReturnInput(order_id=start.order_id, return_id=return_id, request=request, approved=approved,
                            value=value, at=workflow.now()),
        )  # fmt: skip
        return_start = ReturnStart(
            order_id=start.order_id, return_id=return_id, request=request, quote=quote,
            ordered=self._received_units(), returned_before=before,
            accepted_before=dict(self._accepted_back), approved_by_rules=approved, value=value,
            refund_shipping_on_full_return=start.refund_shipping_on_full_return,
            payment_token=self._request.payment_token, decision_timeout=start.return_decision_timeout,
            receipt_timeout=start.return_receipt_timeout,
        )  # fmt: skip
        child = await workflow.start_child_workflow(
            ReturnWorkflow.run,
            return_start,
            id=return_workflow_id(return_id),
            search_attributes=return_search_attributes(return_start, start.channel, start.customer_id),
            static_summary=return_summary(return_start),
        )
        self._open_returns.add(return_id)
        self._return_tasks.append(asyncio.create_task(self._settle_return(return_id, units, child)))
        return return_id

    @request_return.validator
    def _validate_return(self, request: ReturnRequest) -> None:
        if request.reference in self._returns:
            return  # the same request again: answered with the same return
        if self._status is not OrderStatus.DELIVERED or self._accepted is None:
            raise refuse(
                ErrorCode.NOT_DELIVERED,
                f"Order {self._start.order_id} is {self._status.value}: returns start once it is delivered",
            )
        if self._return_window_ends is None or workflow.now() >= self._return_window_ends:
            raise refuse(
                ErrorCode.RETURN_WINDOW_CLOSED,
                f"The return window of order {self._start.order_id} has closed",
            )
        with business_rules():
            check_returnable(request.lines, returnable(self._received_units(), self._units_in_returns))

    def _received_units(self) -> dict[str, int]:
        """What the customer got: the order's units less those whose parcels were cancelled."""
        assert self._accepted is not None
        got = {
            ln.sku: ln.quantity - self._units_cancelled.get(ln.sku, 0) for ln in self._accepted.quote.lines
        }
        return {sku: n for sku, n in got.items() if n > 0}

    async def _settle_return(self, return_id: str, units: dict[str, int], child: Any) -> None:
        """When a return closes: its money joins the order's books, and the units of a refused
        or expired return may be returned again. A return that failed is support's to finish;
        it does not keep the order open."""
        try:
            outcome: ReturnOutcome = await child
        except ChildWorkflowError as err:
            await self._alert(
                f"return:{return_id}", "return_failed", f"return {return_id} failed: {err.cause}"
            )
            outcome = ReturnOutcome(return_id=return_id, status=ReturnStatus.EXPIRED, reason="failed")
        self._books.record_return(return_id, outcome.charged, outcome.refunded)
        for sku, n in outcome.accepted.items():
            self._accepted_back[sku] = self._accepted_back.get(sku, 0) + n
        if outcome.status in (ReturnStatus.REJECTED, ReturnStatus.EXPIRED):
            for sku, n in units.items():
                self._units_in_returns[sku] -= n
        self._open_returns.discard(return_id)

    @workflow.update
    async def change(self, request: OrderChange) -> ChangeOutcome:
        """Edit the order before anything is packed: address, quantities, lines. A preview
        answers what would happen and changes nothing."""
        if request.reference in self._changes:
            return self._changes[request.reference][1]
        outcome = await self._change_now(lambda: request)
        if outcome.applied:
            self._changes[request.reference] = (request, outcome)
        return outcome

    @change.validator
    def _validate_change(self, request: OrderChange) -> None:
        done = self._changes.get(request.reference)
        if done is not None:
            if done[0].model_dump(exclude={"preview"}) != request.model_dump(exclude={"preview"}):
                raise refuse(
                    ErrorCode.IDEMPOTENCY_CONFLICT, f"Change {request.reference} was a different change"
                )
            return
        if request.reference.startswith(CANCEL_PREFIX):
            raise refuse(
                ErrorCode.INVALID_BODY, f"References starting with {CANCEL_PREFIX!r} belong to cancellations"
            )
        self._check_editable()

    @workflow.update
    async def cancel(self, request: Cancellation) -> CancellationOutcome:
        """Cancel the whole order, or some units, before delivery: stock back, the payment
        voided or refunded with credit notes, parcels stopped or recalled."""
        done = self._cancellations.get(request.reference)
        if done is not None:
            return done
        if request.lines is None:
            if self._cancel_request is None:
                self._cancel_round += 1
                self._cancel_request = request
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
        self._cancellations[request.reference] = outcome
        return outcome

    @cancel.validator
    def _validate_cancel(self, request: Cancellation) -> None:
        if request.reference in self._cancellations:
            return
        if self._accepted is None:
            raise refuse(ErrorCode.NOT_EDITABLE, "The order has not been accepted")
        parcels_left = request.lines is not None and self._status is OrderStatus.PARTIALLY_DELIVERED
        if self._status in DELIVERED_OR_CLOSED and not parcels_left:
            raise refuse(
                ErrorCode.ALREADY_DELIVERED,
                f"Order {self._start.order_id} is {self._status.value}: send it back as a return instead",
            )
        if self._cancel_request is not None and request.lines is not None:
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
            chosen = self._parcel_cancels.get(request.reference)
            if chosen is None:
                chosen = await self._choose_parcels(request)
                on_their_way = {p.tracking_number for p in self._parcels.on_their_way()}
                if set(chosen) == on_their_way and not self._parcels.any_delivered():
                    chosen = {}  # everything still travelling: that is cancelling the order
                else:
                    self._parcel_cancels[request.reference] = chosen
            if chosen:
                refunded = await self._stop_parcels(request, chosen)
                return CancellationOutcome(
                    reference=request.reference, status=self._status, refunded=refunded
                )
            if self._cancel_request is None:
                self._cancel_round += 1
                self._cancel_request = Cancellation(
                    reference=request.reference, reason=request.reason, actor=request.actor
                )
        return await self._cancelled_outcome(request.reference)

    async def _choose_parcels(self, request: Cancellation) -> dict[str, dict[str, int]]:
        """The parcels on their way that hold exactly the units asked for, with what each holds."""
        assert request.lines is not None
        contents: dict[str, dict[str, int]] = await self._step(PARCEL_CONTENTS, self._start.order_id)
        on_their_way = {p.tracking_number for p in self._parcels.on_their_way()}
        travelling = {tn: c for tn, c in sorted(contents.items()) if tn in on_their_way}
        if any(ev.tracking_number in travelling for ev in self._inbox):
            raise refuse(
                ErrorCode.ORDER_BUSY,
                "The carrier's latest news about these parcels is being recorded; try again in a moment",
            )
        with business_rules():
            return parcels_holding(travelling, {line.sku: line.quantity for line in request.lines})

    async def _cancelled_outcome(self, reference: str) -> CancellationOutcome:
        """Wait for the whole-order cancellation this request joined, or its refusal."""
        round_ = self._cancel_round
        await workflow.wait_condition(
            lambda: self._status is OrderStatus.CANCELLED or self._refused_round == round_
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
                    for sku, n in chosen[tn].items():
                        self._units_cancelled[sku] = self._units_cancelled.get(sku, 0) + n
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

    def _check_editable(self) -> None:
        with business_rules():
            check_editable(
                self._start.order_id,
                self._status,
                packed=list(self._packed),
                authorized=self._auth is not None,
                cancelling=self._cancel_request is not None or self._accepted is None,
            )

    async def _change_now(
        self, make: Callable[[], OrderChange], event: str = "order_changed"
    ) -> ChangeOutcome:
        """Plan the change; unless previewing, take the money first (a larger authorization),
        then change order, lines and stock in one step, then let the old authorization go."""
        async with self._changing:
            self._check_editable()  # a parcel may have been packed while this update waited
            assert self._auth is not None and self._accepted is not None
            with business_rules():
                change = make()
            try:
                plan = await self._step(
                    PLAN_CHANGE,
                    PlanChangeInput(
                        order_id=self._start.order_id, change=change, authorized=self._auth.amount
                    ),
                )
            except (ActivityError, ApplicationError) as err:
                raise _refusal(err) from None
            if change.preview:
                return ChangeOutcome(reference=change.reference, applied=False, plan=plan)
            short = [e.sku for e in plan.stock if not e.available]
            if short:
                raise refuse(
                    ErrorCode.INSUFFICIENT_STOCK, f"Not enough stock for {', '.join(short)}", {"skus": short}
                )
            more: PaymentOutcome | None = None
            total = plan.quote.grand_total
            if total > self._auth.amount:
                token = self._request.payment_token if self._request else ""
                more = await self._step(
                    AUTHORIZE_PAYMENT,
                    AuthorizeInput(order_id=self._start.order_id, token=token, amount=total,
                                   currency=plan.quote.currency, purpose=f"change-{change.reference}",
                                   at=workflow.now()),
                )  # fmt: skip
                if not more.approved:
                    if more.pending:  # e.g. 3-D Secure nobody will answer here: let it go
                        await self._void(more, "the order change needs a payment that was not completed")
                    raise refuse(
                        ErrorCode.PAYMENT_DECLINED,
                        f"The payment for the new total {total} was declined: {more.decline_code}",
                    )
            try:
                warehouses = await self._step(
                    APPLY_CHANGE,
                    ApplyChangeInput(order_id=self._start.order_id, change=change, plan=plan, event=event,
                                     at=workflow.now()),
                )  # fmt: skip
            except (ActivityError, ApplicationError) as err:
                if more is not None:
                    await self._void(more, "the order change was refused")
                raise _refusal(err) from None
            if more is not None:
                await self._void(self._auth, "replaced by the authorization of the changed order")
                self._auth, self._authorized_at = more, workflow.now()
            self._accepted = self._accepted.model_copy(update={"quote": plan.quote})
            self._moved(self._status)  # the Web UI shows the new total
            if self._packing is not None:
                self._packing = warehouses
            await self._notify(
                "order_changed", change.reference, reason=change.reason, total=str(plan.quote.grand_total),
                previous=str(plan.previous_total),
            )  # fmt: skip
            return ChangeOutcome(reference=change.reference, applied=True, plan=plan)

    @workflow.signal
    def payment_event(self, event: PaymentEvent) -> None:
        """The payment provider settled a pending payment; the first word counts."""
        self._payment_events.setdefault(event.reference, event)

    @workflow.signal
    def stock_reserved(self) -> None:
        """Inventory filled this order's backorders: it can go on."""
        self._stock_arrived = True

    @workflow.query
    def progress(self) -> OrderProgress:
        return OrderProgress(
            order_id=self._start.order_id,
            status=self._status,
            parcels=self._parcels.states(),
            invoice_number=self._invoice_number,
            packing=[wh for wh in self._packing or [] if wh not in self._packed],
            late=any(p.late for p in self._parcels),
            parked=self._parked,
        )

    # --- the lifecycle ------------------------------------------------------------

    @workflow.run
    async def run(self, start: OrderStart) -> OrderOutcome:
        """Receive, pay, prepare and ship, deliver, keep the return window, close. A
        cancellation asked for at a wait before delivery ends the order there."""
        rejected = await self._receive(start)
        if rejected is not None:
            return rejected
        _PARKS.set(True)  # from here, a step that keeps failing parks the order for support
        try:
            if ended := await self._wait_for_stock(start):
                return ended
            if ended := await self._pay(start):
                return ended
            await self._prepare()
            if ended := await self._capture_and_invoice(start):
                return ended
            if not await self._ship(start):
                return await self._close_refunded()
            await self._return_window(start)
            return await self._close()
        except CancelRequested:
            return await self._cancel_as_requested()

    async def _receive(self, start: OrderStart) -> OrderOutcome | None:
        """Wait for the order's content (the accept update); a rejection, or no content in
        time, closes the run."""
        try:
            await workflow.wait_condition(
                lambda: self._accepted is not None or self._rejected is not None,
                timeout=start.acceptance_timeout,
            )
        except TimeoutError:
            # An acceptance still in flight (e.g. retrying through a database outage) may yet
            # commit: let it finish rather than leave a stored order without a workflow.
            await workflow.wait_condition(workflow.all_handlers_finished)
            if self._accepted is None:
                return self._outcome(OrderStatus.REJECTED, "no order content arrived")
        if self._accepted is None or self._request is None:
            await workflow.wait_condition(workflow.all_handlers_finished)
            return self._outcome(OrderStatus.REJECTED, self._rejected and self._rejected.type)
        self._books.currency = self._accepted.quote.currency
        return None

    async def _wait_for_stock(self, start: OrderStart) -> OrderOutcome | None:
        accepted = self._order()
        return await self._await_stock(start) if accepted.status is OrderStatus.BACKORDERED else None

    async def _pay(self, start: OrderStart) -> OrderOutcome | None:
        """Authorize the order's total; a pending payment waits for the provider's word."""
        accepted, token = self._order(), self._token()
        # A regular activity, not a local one: scheduling it ends the workflow task, which
        # sends the accept answer to the channel now instead of after the steps that follow.
        auth = await self._authorize(start, accepted, token)
        if auth.pending:
            # 3-D Secure or a bank transfer: the provider's webhook settles it, in time or not.
            deferred = token == "bank_transfer"
            wait = start.unpaid_order_expiry if deferred else start.customer_action_timeout
            try:
                settled = await self._await_payment(auth.reference or "", wait)
            except CancelRequested:
                await self._void(auth, "order cancelled before payment")  # let go of the pending payment
                raise
            if settled is None:
                await self._void(auth, "payment not completed in time")  # let go of the pending payment
                return await self._cancel(
                    "unpaid: the bank transfer did not arrive in time"
                    if deferred
                    else "payment not completed: the customer did not authenticate in time"
                )
            auth = settled
        if not auth.approved:
            return await self._cancel(f"payment declined: {auth.decline_code}")
        self._auth, self._authorized_at = auth, workflow.now()
        self._moved(OrderStatus.AUTHORIZED)
        return None

    async def _prepare(self) -> None:
        """Each warehouse picks and packs its parcel; the order may be edited meanwhile."""
        await self._pick_and_pack(self._order().quote.grand_total)

    async def _capture_and_invoice(self, start: OrderStart) -> OrderOutcome | None:
        """Take the money per parcel and invoice each capture; an authorization that lapsed
        while packing is renewed first (or the order cancelled, as the settings say)."""
        # Edits while packing may have changed the total and the authorization.
        accepted, auth = self._order(), self._auth
        assert auth is not None
        if workflow.now() - self._authorized_at >= start.authorization_validity:
            if start.expired_authorization is ExpiredAuthorization.CANCEL:
                return await self._cancel("payment authorization expired")
            await self._void(auth, "authorization expired")
            auth = await self._authorize(start, accepted, self._token(), renewal=1)
            if not auth.approved:
                return await self._cancel(f"payment declined on renewal: {auth.decline_code}")
            self._auth = auth

        captured = await self._capture(start.order_id, auth, accepted.quote.grand_total)
        declined = next((c for _, c in captured if not c.approved), None)
        if declined is not None:
            taken = [(parcel, c) for parcel, c in captured if c.approved]
            if taken:
                # Some parcels were paid before one was refused: invoice what was taken, then
                # the cancellation refunds it with credit notes.
                self._books.captured = sum((c.amount for _, c in taken), Decimal(0))
                await self._invoice(taken)
            return await self._cancel(f"capture failed: {declined.decline_code}")
        self._books.record_captures(
            {p.warehouse: c.amount for p, c in captured if p is not None},
            {p.warehouse: p.shipping.total for p, _ in captured if p and p.shipping},
        )
        self._moved(OrderStatus.CAPTURED)
        # One invoice per shipment, each for what its capture took.
        await self._invoice(captured)
        self._moved(OrderStatus.INVOICED)
        return None

    async def _return_window(self, start: OrderStart) -> None:
        """Delivered: a cancellation that came too late is refused; the customer is asked for
        feedback and may return goods until the window closes and every return is closed."""
        if self._cancel_request is not None:
            self._refuse_cancel("the order has been delivered meanwhile")
        await self._after_delivery(start)
        await workflow.wait_condition(lambda: not self._open_returns)

    async def _close(self) -> OrderOutcome:
        await self._record("completed", "order_completed", OrderStatus.COMPLETED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome(OrderStatus.COMPLETED)

    def _order(self) -> AcceptedOrder:
        assert self._accepted is not None, "the lifecycle starts once the order is accepted"
        return self._accepted

    def _token(self) -> str:
        assert self._request is not None
        return self._request.payment_token

    async def _await_stock(self, start: OrderStart) -> OrderOutcome | None:
        """Wait durably until inventory has filled the backorders. Past the wait limit the
        order is cancelled or support is alerted, as the channel's policy says."""
        deadline: datetime | None = workflow.now() + start.backorder_wait_limit
        while True:
            self._publish()
            wait = start.backorder_recheck_interval
            if deadline is not None:
                wait = min(wait, deadline - workflow.now())
            if wait > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await self._wait(lambda: self._stock_arrived, timeout=wait)
            if self._stock_arrived or not await self._step(WAITING_BACKORDERS, start.order_id):
                break
            if deadline is not None and workflow.now() >= deadline:
                if start.backorder_policy is BackorderPolicy.CANCEL:
                    return await self._cancel("backorder wait limit reached")
                await self._record(
                    "backorder_overdue",
                    "backorder_overdue",
                    None,
                    reason="backorder wait limit reached; support alerted",
                )
                deadline = None
        await self._record("backorder_filled", "backorder_filled", OrderStatus.ACCEPTED)
        return None

    async def _authorize(
        self, start: OrderStart, accepted: AcceptedOrder, token: str, renewal: int = 0
    ) -> PaymentOutcome:
        return await self._step(
            AUTHORIZE_PAYMENT,
            AuthorizeInput(order_id=start.order_id, token=token, amount=accepted.quote.grand_total,
                           currency=accepted.quote.currency, renewal=renewal, at=workflow.now()),
            run=run_activity,
        )  # fmt: skip

    async def _capture(
        self, order_id: str, auth: PaymentOutcome, total: Decimal
    ) -> list[tuple[Fulfillment | None, PaymentOutcome]]:
        """Capture per fulfillment (one partial capture per parcel's warehouse), stopping at a
        refusal."""
        captured: list[tuple[Fulfillment | None, PaymentOutcome]] = []
        for parcel in await self._step(PLAN_FULFILLMENTS, order_id):
            outcome = await self._step(
                CAPTURE_PAYMENT,
                CaptureInput(
                    order_id=order_id,
                    authorization=auth.reference or "",
                    amount=parcel.amount,
                    fulfillment=parcel.warehouse,
                    at=workflow.now(),
                ),
            )
            captured.append((parcel, outcome))
            if not outcome.approved:
                break
        return captured

    async def _await_payment(self, reference: str, wait: timedelta) -> PaymentOutcome | None:
        self._publish()
        try:
            # The provider's news first, then a cancellation voids what it settled.
            await workflow.wait_condition(
                lambda: reference in self._payment_events or self._cancel_request is not None,
                timeout=wait,
            )
            if reference not in self._payment_events:
                raise CancelRequested
        except TimeoutError:
            return None
        return await self._step(
            SETTLE_PAYMENT,
            SettlePaymentInput(order_id=self._start.order_id, event=self._payment_events[reference],
                               at=workflow.now()),
        )  # fmt: skip

    # --- the shipping journey ------------------------------------------------------

    async def _pick_and_pack(self, total: Decimal) -> None:
        """Each warehouse picks and packs its parcel; the customer hears the order is confirmed."""
        self._packing = await self._step(
            OPEN_FULFILLMENTS,
            OpenFulfillmentsInput(order_id=self._start.order_id, at=workflow.now()),
        )
        await self._notify("order_confirmed", total=str(total), parcels=len(self._packing))
        self._publish()
        recheck = self._start.pack_recheck_interval
        while not self._all_packed() and self._cancel_request is None:
            try:
                await workflow.wait_condition(
                    lambda: self._all_packed() or self._cancel_request is not None, timeout=recheck
                )
            except TimeoutError:
                # Less often as packing drags on: a long wait costs a few dozen looks, not thousands.
                recheck = min(recheck * 2, PACK_RECHECK_CAP)
                await self._learn_packed()
            if self._cancel_request is not None and self._inbox:
                await self._learn_packed()  # carrier news while packing: see what a lost task did
        if self._cancel_request is not None and not (self._inbox and self._all_packed()):
            # Cancelled before anything was captured. (Carrier news while packing means a lost
            # workflow task booked parcels already: the shipping loop hears it first.)
            raise CancelRequested

    def _all_packed(self) -> bool:
        return all(wh in self._packed for wh in self._packing or [])

    async def _learn_packed(self) -> None:
        """What the database says is packed: a confirmation whose workflow task was lost."""
        for parcel in await self._step(PACKED_PARCELS, self._start.order_id):
            if parcel.warehouse in (self._packing or []):
                self._packed.setdefault(parcel.warehouse, parcel)

    async def _ship(self, start: OrderStart) -> bool:
        """Book every packed parcel, then follow them all to their end; whether any arrived."""
        for warehouse in self._packing or []:
            await self._book(warehouse)
        self._moved(OrderStatus.SHIPPED)
        while self._parcels.on_their_way():
            self._parcels_stopped = False
            # The carrier's news first: a delivery already heard of wins over a cancellation.
            if self._cancel_request is not None and not self._inbox:
                if self._parcels.any_delivered():
                    self._refuse_cancel("a parcel has been delivered meanwhile")
                    while self._failed_while_cancelling:
                        await self._parcel_failed(start, *self._failed_while_cancelling.pop(0))
                    continue
                raise CancelRequested
            if not self._inbox:
                self._publish()
                deadline = self._parcels.next_deadline(start.delivery_sla)
                try:
                    await workflow.wait_condition(
                        lambda: (
                            bool(self._inbox) or self._parcels_stopped or self._cancel_request is not None
                        ),
                        timeout=None if deadline is None else max(deadline - workflow.now(), timedelta(0)),
                    )
                except TimeoutError:
                    await self._flag_late(start)
                    continue
                if not self._inbox:
                    continue  # cancelled, or a cancellation stopped parcels: look again
            event = self._inbox.pop(0)
            parcel = self._parcels.get(event.tracking_number)
            if parcel is not None and parcel.stopped:
                if event.status is TrackingStatus.DELIVERED:
                    # Stopped too late: the customer has the goods and their refund.
                    why = f"parcel {event.tracking_number} was delivered after it was cancelled and refunded"
                    await self._alert(
                        f"delivered-after-cancel:{event.tracking_number}", "delivered_after_cancel", why
                    )
                continue
            if parcel is None or not parcel.on_its_way:
                continue  # unknown, or at the end of its journey
            if not moves_forward(parcel.status, event.status):
                continue
            parcel.status = event.status
            status = self._parcels.shipping_status()
            recorded: TrackingRecorded | None = await self._step(
                RECORD_TRACKING,
                RecordTrackingInput(
                    order_id=self._start.order_id, event=event, order_status=status, at=workflow.now()
                ),
            )
            if recorded is not None and self._world_moved_on(parcel, recorded):
                continue
            self._moved(status)
            if self._cancel_request is not None and event.status in FAILED:
                # The cancellation settles it; should a delivery refuse the cancellation, the
                # parcel is reshipped or refunded then.
                self._failed_while_cancelling.append((event.tracking_number, event.status))
                continue
            await self._tell(start, event)
        delivered = self._parcels.any_delivered()
        if self._cancel_request is not None and not delivered:
            raise CancelRequested  # every parcel stopped or failed meanwhile: cancel as asked
        return delivered

    def _world_moved_on(self, parcel: Parcel, recorded: TrackingRecorded) -> bool:
        """What the database says once a carrier event is recorded, where it differs from what
        the workflow remembers: a cancellation whose workflow task was lost after its steps
        committed (its update with it) is taken up again, and a parcel it stopped, or any
        parcel of an order it closed, is news the cancellation has settled. Whether the event
        is done with."""
        stored = recorded.cancellation
        if stored is not None and self._cancel_request is None:
            self._cancel_round += 1
            self._cancel_request = stored
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

    async def _after_delivery(self, start: OrderStart) -> None:
        """A while after delivery, ask for feedback; the return window runs meanwhile."""
        self._return_window_ends = workflow.now() + start.return_window
        self._publish()
        if start.feedback_delay > timedelta(0):
            await workflow.sleep(start.feedback_delay, summary="feedback delay")
        await self._notify("feedback_request")
        rest = start.return_window - start.feedback_delay
        if rest > timedelta(0):
            await workflow.sleep(rest, summary="return window")

    async def _notify(
        self, kind: str, subject_key: str | None = None, until_sent: bool = False, **context: Any
    ) -> None:
        notice = NotifyInput(
            order_id=self._start.order_id, kind=kind, subject_key=subject_key,
            reason=context.pop("reason", None), context=context, at=workflow.now(),
        )  # fmt: skip
        if until_sent:
            await run_step(NOTIFY_CUSTOMER, notice)  # retries without a bound
        else:
            await self._step(NOTIFY_CUSTOMER, notice)

    async def _alert(self, key: str, kind: str, why: str) -> None:
        """Something support must look at (GET /support/alerts)."""
        await self._step(
            RECORD_EVENT,
            RecordEventInput(order_id=self._start.order_id, key=f"alert:{key}", type="support_alerted",
                             status=None, at=workflow.now(), reason=why, data={"kind": kind}),
        )  # fmt: skip

    # --- compensation ---------------------------------------------------------------

    def _refuse_cancel(self, why: str) -> None:
        """A cancellation accepted a moment before a parcel arrived: answer everyone waiting
        for it with a refusal."""
        self._cancel_refused = refuse(
            ErrorCode.ALREADY_DELIVERED,
            f"Order {self._start.order_id} cannot be cancelled: {why}; send it back as a return instead",
        )
        self._refused_round = self._cancel_round
        self._cancel_request = None

    async def _cancel_as_requested(self) -> OrderOutcome:
        """Support or the channel cancelled the order: stop the parcels on their way (cancel the
        booking, or recall the parcel), then undo the rest as any cancellation does."""
        request = self._cancel_request
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

    async def _release_stock(self, reason: str) -> None:
        await self._step(
            RELEASE_STOCK,
            ReleaseStockInput(order_id=self._start.order_id, reason=reason, at=workflow.now()),
        )

    async def _invoice(self, captures: list[tuple[Fulfillment | None, PaymentOutcome]]) -> None:
        """An invoice for each capture, for exactly what it took (None: the whole order)."""
        for parcel, capture in captures:
            invoice = await self._step(
                ISSUE_INVOICE,
                IssueInvoiceInput(order_id=self._start.order_id, payment_reference=capture.reference or "",
                                  fulfillment=parcel, at=workflow.now()),
            )  # fmt: skip
            self._invoice_number = invoice.number

    async def _refund(
        self,
        reference: str,
        amount: Decimal,
        reason: str,
        actor: str = SYSTEM_ACTOR,
        warehouse: str | None = None,
        at_most_refundable: bool = False,
        goodwill: bool = False,
    ) -> RefundOutcome:
        """Every refund of the order, once per reference: one at a time (each reads what the
        others left), with credit notes, into the books. `warehouse`: against that parcel's
        invoice only; `at_most_refundable`: what is left when that is less than asked."""
        async with self._refunding:
            done = self._refund_outcomes.get(reference)
            if done is not None:
                return done
            outcome = await self._step(
                REFUND_PAYMENT,
                RefundInput(order_id=self._start.order_id, amount=amount, reason=reason, reference=reference,
                            actor=actor, warehouse=warehouse, at_most_refundable=at_most_refundable,
                            at=workflow.now()),
            )  # fmt: skip
            self._refund_outcomes[reference] = outcome
            self._books.record_refund(reference, outcome.refunded, amount if goodwill else None)
            return outcome

    async def _void(self, auth: PaymentOutcome, reason: str) -> None:
        await self._step(
            VOID_PAYMENT,
            VoidInput(
                order_id=self._start.order_id,
                authorization=auth.reference or "",
                reason=reason,
                at=workflow.now(),
            ),
        )

    # --- helpers ----------------------------------------------------------------------

    async def _step(
        self,
        step: Step[In, Out],
        arg: In,
        expected: frozenset[str] = frozenset(),
        run: Runner = run_step,
    ) -> Out:
        """Run a step. In the lifecycle, a step that fails for good (a business error nobody
        expects there, or retries used up) parks the order until support retries it; errors
        the caller handles (`expected` codes) and failures in update handlers go to the caller.
        A step that goes through after parking resolves its alerts."""
        alerts: list[str] = []
        while True:
            try:
                result = await run(step, arg, bounded=True)
                break
            except (ActivityError, ApplicationError) as err:
                cause = failure_cause(err)
                if not _PARKS.get() or (cause is not None and cause.type in expected):
                    raise
                alert = await self._park(
                    step.name,
                    cause.message if cause else str(err.cause or err),
                    outage=cause is None or cause.type == DEPENDENCY_UNAVAILABLE,
                )
                if alert not in alerts:
                    alerts.append(alert)
        if alerts:
            # The step went through: a resolution that fails leaves the alert open, no more.
            with contextlib.suppress(ActivityError, ApplicationError):
                await run_step(
                    RESOLVE_ALERTS,
                    ResolveAlertsInput(order_id=self._start.order_id, keys=alerts, at=workflow.now(),
                                       reason=f"step {step.name} went through on a retry"),
                    bounded=True,
                )  # fmt: skip
        return result

    async def _park(self, step: str, why: str, outage: bool) -> str:
        """Wait for support's retry with an alert saying which step failed and why; answers the
        alert's key. A cancellation asked for meanwhile ends the wait, unless it is the
        cancellation that is stuck."""
        n, pending = self._retries, self._cancel_request
        alert = f"alert:parked:{step}:{n}"
        self._parked = f"{step}: {why}"
        workflow.logger.warning("step parked", extra={"order_id": self._start.order_id, "step": step})
        # No command, so no patch: the SDK records a workflow's metrics only when not replaying.
        workflow.metric_meter().create_counter(
            STEPS_PARKED, "Order steps that failed for good and wait for support's retry"
        ).add(1, {"step": step})
        # The alert's own failure must not hide the parked step.
        with contextlib.suppress(ActivityError, ApplicationError):
            await run_step(
                RECORD_EVENT,
                RecordEventInput(order_id=self._start.order_id, key=alert,
                                 type="support_alerted", status=None, at=workflow.now(),
                                 reason=f"step {step} keeps failing: {why}",
                                 data={"kind": "step_parked", "step": step}),
            )  # fmt: skip
        workflow.set_current_details(
            f"Order {self._start.order_id}: parked at {step} ({why}){self._total_text()}"
        )
        cancelled = lambda: self._cancel_request not in (None, pending) and not self._cancelling  # noqa: E731
        with contextlib.suppress(TimeoutError):  # an outage retries on its own, after a while
            await workflow.wait_condition(
                lambda: self._retries > n or cancelled(), timeout=OUTAGE_RETRY if outage else None
            )
        self._parked = None
        self._moved(self._status)
        if cancelled():
            raise CancelRequested
        return alert

    async def _record(
        self,
        key: str,
        type: str,
        status: OrderStatus | None,
        reason: str | None = None,
        actor: str | None = None,
    ) -> None:
        await self._step(
            RECORD_EVENT,
            RecordEventInput(
                order_id=self._start.order_id,
                key=key,
                type=type,
                status=status,
                at=workflow.now(),
                reason=reason,
                **({"actor": actor} if actor else {}),
            ),
        )
        if status is not None:
            self._moved(status)

    async def _wait(self, condition: Callable[[], bool], timeout: timedelta | None = None) -> None:
        """wait_condition that a request to cancel the order interrupts (CancelRequested)."""
        await workflow.wait_condition(
            lambda: condition() or self._cancel_request is not None, timeout=timeout
        )
        if self._cancel_request is not None:
            raise CancelRequested

    def _moved(self, status: OrderStatus) -> None:
        self._status = status
        workflow.set_current_details(f"Order {self._start.order_id}: {status.value}{self._total_text()}")

    def _total_text(self) -> str:
        """The total as it stands (an edit changes it), for the Web UI: the workflow's summary
        is written before the order is priced."""
        if self._accepted is None:
            return ""
        quote = self._accepted.quote
        return f", {quote.grand_total} {quote.currency}"

    def _publish(self) -> None:
        """Show the status in Temporal's search attributes. Called where the workflow waits,
        so a run of quick steps costs one visibility update, not one per step."""
        if self._status is not self._published:
            workflow.upsert_search_attributes([ORDER_STATUS.value_set(self._status.value)])
            self._published = self._status

    def _outcome(self, status: OrderStatus, reason: str | None = None) -> OrderOutcome:
        self._moved(status)
        self._publish()
        return OrderOutcome(order_id=self._start.order_id, status=status, reason=reason)
