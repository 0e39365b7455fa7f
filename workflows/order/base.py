"""What every phase of the order uses: its state, running a step (parking it when it keeps
failing), the books it keeps, and what it tells the customer, support and the Web UI."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.alerts import RESOLVE_ALERTS, ResolveAlertsInput
    from contracts.fulfillment import (
        ParcelPacked,
    )
    from contracts.inventory import RELEASE_STOCK, ReleaseStockInput
    from contracts.invoicing import ISSUE_INVOICE, IssueInvoiceInput
    from contracts.notifications import NOTIFY_CUSTOMER, NotifyInput
    from contracts.order_log import RECORD_EVENT, RecordEventInput
    from contracts.payments import (
        VOID_PAYMENT,
        VoidInput,
    )
    from contracts.refunds import REFUND_PAYMENT, RefundInput, RefundOutcome
    from contracts.step import In, Out, Step
    from domain.books import MoneyBooks
    from domain.cancellations import CancellationBook
    from domain.changes import ChangeLog, ChangeOutcome, OrderChange
    from domain.errors import ErrorCode
    from domain.fulfillment import Fulfillment
    from domain.orders import (
        SYSTEM_ACTOR,
        AcceptedOrder,
        OrderOutcome,
        OrderRequest,
        OrderStart,
        PaymentEvent,
        PaymentOutcome,
    )
    from domain.parcels import Parcels
    from domain.returns_book import ReturnsBook
    from domain.status import OrderStatus
    from domain.tracking import (
        TrackingEvent,
        TrackingStatus,
    )
    from workflows.refusals import failure_cause, failure_kind, refuse
    from workflows.search_attributes import ORDER_STATUS
    from workflows.steps import Runner, run_step


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


class OrderBase:
    def __init__(self, start: OrderStart) -> None:
        self._start = start
        self._status = OrderStatus.RECEIVED
        self._request: OrderRequest | None = None
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
        self._returns = ReturnsBook()
        self._return_tasks: list[asyncio.Task[None]] = []
        self._return_window_ends: datetime | None = None
        # Changes: the authorization in force (an edit may replace it), edits and
        # cancellations done, and a whole-order cancellation pending.
        self._auth: PaymentOutcome | None = None
        self._authorized_at = datetime.min
        self._changes = ChangeLog()
        self._changing = asyncio.Lock()
        self._cancels = CancellationBook()
        # Set when a cancellation came too late (a parcel arrived meanwhile): its answer.
        self._cancel_refused: ApplicationError | None = None
        self._parcels_stopped = False
        # The step the order is parked on with why, support's retries, and whether it is
        # cancelling.
        self._parked: str | None = None
        self._retries = 0
        self._cancelling = False
        self._failed_while_cancelling: list[tuple[str, TrackingStatus]] = []

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
                    kind=failure_kind(err),
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

    async def _park(self, step: str, why: str, outage: bool, kind: str) -> str:
        """Wait for support's retry with an alert saying which step failed and why; answers the
        alert's key. A cancellation asked for meanwhile ends the wait, unless it is the
        cancellation that is stuck. The Web UI's details name the kind of failure (its code),
        not its message, which may quote the customer's address."""
        n, pending = self._retries, self._cancels.pending
        alert = f"alert:parked:{step}:{n}"
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
        # Shown as parked once its alert is written: whoever sees the one finds the other.
        self._parked = f"{step}: {why}"
        workflow.set_current_details(
            f"Order {self._start.order_id}: parked at {step} ({kind}){self._total_text()}"
        )

        def cancelled() -> bool:
            return self._cancels.pending not in (None, pending) and not self._cancelling

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
                actor=actor or SYSTEM_ACTOR,
            ),
        )
        if status is not None:
            self._moved(status)

    async def _wait(self, condition: Callable[[], bool], timeout: timedelta | None = None) -> None:
        """wait_condition that a request to cancel the order interrupts (CancelRequested)."""
        await workflow.wait_condition(
            lambda: condition() or self._cancels.pending is not None, timeout=timeout
        )
        if self._cancels.pending is not None:
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

    def _order(self) -> AcceptedOrder:
        assert self._accepted is not None, "the lifecycle starts once the order is accepted"
        return self._accepted

    if TYPE_CHECKING:
        # What one phase asks of another, written in cancel.py and prepare.py: declared for
        # the type checker only, so every phase is checked against the same signatures.
        async def _cancel(self, reason: str, actor: str | None = None) -> OrderOutcome: ...

        def _refuse_cancel(self, why: str) -> None: ...

        async def _change_now(
            self, make: Callable[[], OrderChange], event: str = "order_changed"
        ) -> ChangeOutcome: ...

        def _check_editable(self) -> None: ...
