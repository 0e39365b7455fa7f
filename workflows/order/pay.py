"""Pay: authorize the total (a pending payment waits for the provider), then, once packed,
capture per parcel and invoice each capture; support's goodwill refunds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.inventory import PLAN_FULFILLMENTS
    from contracts.payments import (
        AUTHORIZE_PAYMENT,
        CAPTURE_PAYMENT,
        SETTLE_PAYMENT,
        AuthorizeInput,
        CaptureInput,
        SettlePaymentInput,
    )
    from contracts.refunds import RefundOutcome
    from domain.fulfillment import Fulfillment
    from domain.orders import (
        AcceptedOrder,
        ExpiredAuthorization,
        OrderOutcome,
        OrderStart,
        PaymentEvent,
        PaymentOutcome,
        RefundRequest,
    )
    from domain.status import OrderStatus
    from workflows.refusals import business_rules
    from workflows.steps import run_activity

from workflows.order.base import (
    CancelRequested,
    OrderBase,
)


class Paying(OrderBase):
    @workflow.signal
    def payment_event(self, event: PaymentEvent) -> None:
        """The payment provider settled a pending payment; the first word counts."""
        self._payment_events.setdefault(event.reference, event)

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
            self._books.check_goodwill(request.reference, request.amount, request.limit)

    async def _pay(self, start: OrderStart) -> OrderOutcome | None:
        """Authorize the order's total; a pending payment waits for the provider's word."""
        accepted = self._order()
        # A regular activity, not a local one: scheduling it ends the workflow task, which
        # sends the accept answer to the channel now instead of after the steps that follow.
        auth = await self._authorize(start, accepted)
        if auth.pending:
            # 3-D Secure or a bank transfer: the provider's webhook settles it, in time or not.
            deferred = auth.deferred
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

    async def _authorize(
        self, start: OrderStart, accepted: AcceptedOrder, renewal: int = 0
    ) -> PaymentOutcome:
        """With the order's payment token, which the activity reads by the order id."""
        return await self._step(
            AUTHORIZE_PAYMENT,
            AuthorizeInput(order_id=start.order_id, amount=accepted.quote.grand_total,
                           currency=accepted.quote.currency, renewal=renewal, at=workflow.now()),
            run=run_activity,
        )  # fmt: skip

    async def _await_payment(self, reference: str, wait: timedelta) -> PaymentOutcome | None:
        self._publish()
        try:
            # The provider's news first, then a cancellation voids what it settled.
            await workflow.wait_condition(
                lambda: reference in self._payment_events or self._cancels.pending is not None,
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
            auth = await self._authorize(start, accepted, renewal=1)
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
