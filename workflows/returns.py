"""The return workflow: a child of the order workflow for each return or exchange, from the
request to the refund or the replacement parcel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.invoicing import ISSUE_INVOICE, IssueInvoiceInput
    from contracts.notifications import NOTIFY_CUSTOMER, NotifyInput
    from contracts.payments import (
        AUTHORIZE_PAYMENT,
        CAPTURE_PAYMENT,
        VOID_PAYMENT,
        AuthorizeInput,
        CaptureInput,
        VoidInput,
    )
    from contracts.refunds import REFUND_PAYMENT, RefundInput
    from contracts.returns import (
        CLOSE_RETURN,
        DECIDE_RETURN,
        QUOTE_REPLACEMENT,
        RECEIVE_RETURN,
        SEND_RETURN_LABEL,
        SHIP_REPLACEMENT,
        CloseReturnInput,
        DecideReturnInput,
        QuoteReplacementInput,
        ReceiveReturnInput,
        ReturnStepInput,
        ShipReplacementInput,
    )
    from contracts.step import In, Out, Step
    from domain.errors import ErrorCode
    from domain.fulfillment import Fulfillment
    from domain.orders import Contract
    from domain.quote import Quote
    from domain.returns import (
        CLOSED_STATES,
        Decision,
        ExchangeDifference,
        ReceiveReturn,
        Resolution,
        ReturnRequest,
        ReturnStatus,
        check_receipt,
        exchange_difference,
        goods_worth,
        whole_order_back,
    )
    from workflows.refusals import business_rules, refuse
    from workflows.refusals import refusal as _refusal
    from workflows.search_attributes import CUSTOMER_ID, ORDER_CHANNEL, ORDER_ID, RETURN_STATUS
    from workflows.steps import run_step


class ReturnStart(Contract):
    order_id: str
    return_id: str
    request: ReturnRequest
    quote: Quote
    ordered: dict[str, int]
    # Units of each SKU in earlier returns (accepted or not): where this one's shares of each
    # line start, so that no unit's share is counted twice.
    returned_before: dict[str, int] = {}
    # Units of each SKU earlier returns took back: whether this one brings the whole order back.
    accepted_before: dict[str, int] = {}
    approved_by_rules: bool
    value: Decimal
    refund_shipping_on_full_return: bool = True
    decision_timeout: timedelta
    receipt_timeout: timedelta


def return_search_attributes(
    start: ReturnStart, channel: str, customer_search_id: str
) -> TypedSearchAttributes:
    """Those of its order: found with it by OrderId, and by the customer as the order is."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(ORDER_ID, start.order_id),
            SearchAttributePair(ORDER_CHANNEL, channel),
            SearchAttributePair(CUSTOMER_ID, customer_search_id),
            SearchAttributePair(RETURN_STATUS, ReturnStatus.REQUESTED.value),
        ]
    )


def return_summary(start: ReturnStart) -> str:
    units = sum(line.quantity for line in start.request.lines)
    return (
        f"Return {start.return_id} of order {start.order_id}: {units} item(s) for "
        f"{start.request.resolution.value}, worth {start.value} {start.quote.currency}"
    )


class ReturnOutcome(Contract):
    return_id: str
    status: ReturnStatus
    accepted: dict[str, int] = {}
    refunded: Decimal = Decimal(0)
    charged: Decimal = Decimal(0)
    reason: str | None = None


@workflow.defn
class ReturnWorkflow:
    @workflow.init
    def __init__(self, start: ReturnStart) -> None:
        self._start = start
        self._status = ReturnStatus.REQUESTED
        self._decision: Decision | None = None
        self._receipt: ReceiveReturn | None = None
        self._accepted_units: dict[str, int] | None = None
        self._outcome: ReturnOutcome | None = None
        self._credit_notes: list[str] = []
        workflow.set_current_details(f"Return {start.return_id}: {self._status.value}")

    @workflow.query
    def status(self) -> ReturnStatus:
        return self._status

    @workflow.update
    async def decide(self, decision: Decision) -> ReturnStatus:
        """Support approves or rejects; answers once the decision is recorded."""
        self._decision = decision
        await workflow.wait_condition(lambda: self._status is not ReturnStatus.REQUESTED)
        return self._status

    @decide.validator
    def _validate_decide(self, decision: Decision) -> None:
        if self._status is not ReturnStatus.REQUESTED or self._decision is not None:
            raise refuse(
                ErrorCode.ILLEGAL_TRANSITION,
                f"Return {self._start.return_id} is {self._status.value}, not waiting for a decision",
            )

    @workflow.update
    async def receive(self, receipt: ReceiveReturn) -> ReturnOutcome:
        """The warehouse books the parcel in; answers with the refund or replacement. A receipt
        the warehouse got wrong (an unknown warehouse) is refused and the return still waits."""
        self._receipt = receipt
        start = self._start
        try:
            self._accepted_units = await self._step(
                RECEIVE_RETURN,
                ReceiveReturnInput(order_id=start.order_id, return_id=start.return_id, request=start.request,
                                   receipt=receipt, at=workflow.now()),
            )  # fmt: skip
        except (ActivityError, ApplicationError) as err:
            self._receipt = None
            raise _refusal(err) from None
        await workflow.wait_condition(lambda: self._outcome is not None)
        assert self._outcome is not None
        return self._outcome

    @receive.validator
    def _validate_receive(self, receipt: ReceiveReturn) -> None:
        if self._status is not ReturnStatus.APPROVED or self._receipt is not None:
            raise refuse(
                ErrorCode.ILLEGAL_TRANSITION,
                f"Return {self._start.return_id} is {self._status.value}, not waiting for its parcel",
            )
        with business_rules():
            check_receipt(self._start.request.lines, receipt.items)

    @workflow.run
    async def run(self, start: ReturnStart) -> ReturnOutcome:
        """The order workflow has recorded the request (approved by the rules or not)."""
        req = start.request
        if not start.approved_by_rules:
            if not await self._wait(lambda: self._decision is not None, start.decision_timeout):
                return await self._close(ReturnStatus.EXPIRED, reason="no decision in time")
            assert self._decision is not None
            await self._step(
                DECIDE_RETURN,
                DecideReturnInput(order_id=start.order_id, return_id=start.return_id, decision=self._decision,
                                  at=workflow.now()),
            )  # fmt: skip
            if not self._decision.approve:
                self._moved(ReturnStatus.REJECTED)
                await self._notify("return_rejected", reason=self._decision.reason)
                return await self._close(ReturnStatus.REJECTED, reason=self._decision.reason)
        label = await self._step(
            SEND_RETURN_LABEL,
            ReturnStepInput(order_id=start.order_id, return_id=start.return_id, at=workflow.now()),
        )
        self._moved(ReturnStatus.APPROVED)
        await self._notify(
            "return_approved", tracking_number=label, exchange=req.resolution is Resolution.EXCHANGE
        )

        if not await self._wait(lambda: self._accepted_units is not None, start.receipt_timeout):
            # A receipt being booked right now still counts.
            await workflow.wait_condition(lambda: self._accepted_units is not None or self._receipt is None)
            if self._accepted_units is None:
                return await self._close(ReturnStatus.EXPIRED, reason="the parcel did not arrive in time")
        accepted = self._accepted_units
        assert accepted is not None
        self._moved(ReturnStatus.RECEIVED)

        if req.resolution is Resolution.EXCHANGE and accepted:
            return await self._exchange(accepted)
        refunded = Decimal(0)
        worth = self._refund_due(accepted)
        if worth > 0:
            refunded = await self._refund(worth, "returned goods")
        return await self._close(ReturnStatus.CLOSED, accepted, refunded, outcome={"refunded": str(refunded)})

    # --- money --------------------------------------------------------------------

    def _refund_due(self, accepted: dict[str, int]) -> Decimal:
        """What the accepted units cost, and the original shipping when this return brings
        the whole order back and the policy refunds it."""
        start, q = self._start, self._start.quote
        worth = goods_worth(q, accepted, start.returned_before)
        back = {sku: start.accepted_before.get(sku, 0) + accepted.get(sku, 0) for sku in start.ordered}
        if start.refund_shipping_on_full_return and whole_order_back(start.ordered, back):
            worth += q.shipping.total
        return worth

    async def _exchange(self, accepted: dict[str, int]) -> ReturnOutcome:
        """Ship the replacements. Like for like costs nothing more; another product costs
        today's price, and the difference is charged (and invoiced) or refunded."""
        start, req = self._start, self._start.request
        swaps = {sku: req.replacement_for(sku) for sku in accepted if req.replacement_for(sku) != sku}
        difference = ExchangeDifference()
        if swaps:
            replacement: Quote = await self._step(
                QUOTE_REPLACEMENT,
                QuoteReplacementInput(order_id=start.order_id, items={swaps[s]: accepted[s] for s in swaps},
                                      at=workflow.now()),
            )  # fmt: skip
            paid = {
                sku: goods_worth(start.quote, {sku: accepted[sku]}, start.returned_before) for sku in swaps
            }
            difference = exchange_difference(replacement, paid, swaps)
        charged = await self._charge(difference) if difference.owed else Decimal(0)
        if difference.owed and not charged:
            # The customer cannot pay the difference: they get their money back instead.
            refunded = await self._refund(self._refund_due(accepted), "exchange declined; refunded instead")
            outcome = {"refunded": str(refunded)}
            return await self._close(ReturnStatus.CLOSED, accepted, refunded, outcome=outcome,
                                     reason="price difference declined")  # fmt: skip
        try:
            shipped = await self._step(
                SHIP_REPLACEMENT,
                ShipReplacementInput(order_id=start.order_id, return_id=start.return_id,
                                     items={req.replacement_for(s): n for s, n in accepted.items()},
                                     at=workflow.now()),
            )  # fmt: skip
        except (ActivityError, ApplicationError) as err:
            refused = _refusal(err)
            if not (isinstance(refused, ApplicationError) and refused.non_retryable):
                raise
            # No replacement in stock: the customer gets the money back, and any difference.
            refunded = await self._refund(self._refund_due(accepted) + charged, "replacement out of stock")
            outcome = {"refunded": str(refunded)}
            return await self._close(
                ReturnStatus.CLOSED, accepted, refunded, charged, outcome, reason="replacement out of stock"
            )
        refunded = (
            await self._refund(difference.refund, "exchanged for a cheaper product")
            if difference.refund
            else Decimal(0)
        )
        sent: dict[str, Any] = {"replacement_parcels": [p.tracking_number for p in shipped],
                                "charged": str(charged), "refunded": str(refunded)}  # fmt: skip
        return await self._close(ReturnStatus.CLOSED, accepted, refunded, charged, sent)

    async def _refund(self, amount: Decimal, reason: str) -> Decimal:
        outcome = await self._step(
            REFUND_PAYMENT,
            RefundInput(order_id=self._start.order_id, amount=amount, reason=reason,
                        reference=self._start.return_id, actor="ordino", at_most_refundable=True,
                        at=workflow.now()),
        )  # fmt: skip
        self._credit_notes = outcome.credit_notes
        return outcome.refunded

    async def _notify(self, kind: str, reason: str | None = None, **context: Any) -> None:
        await self._step(
            NOTIFY_CUSTOMER,
            NotifyInput(order_id=self._start.order_id, kind=kind, subject_key=self._start.return_id,
                        reason=reason, context={"return_id": self._start.return_id, **context},
                        at=workflow.now()),
        )  # fmt: skip

    async def _charge(self, difference: ExchangeDifference) -> Decimal:
        """Take what an exchange costs more with the order's payment token (the activity reads
        it by the order id), and invoice it. Nothing if the payment is declined."""
        start, amount = self._start, difference.charge
        auth = await self._step(
            AUTHORIZE_PAYMENT,
            AuthorizeInput(order_id=start.order_id, amount=amount,
                           currency=start.quote.currency, purpose=start.return_id, at=workflow.now()),
        )  # fmt: skip
        if not auth.approved:
            return Decimal(0)
        capture = await self._step(
            CAPTURE_PAYMENT,
            CaptureInput(order_id=start.order_id, authorization=auth.reference or "", amount=amount,
                         purpose=start.return_id, at=workflow.now()),
        )  # fmt: skip
        if not capture.approved:
            await self._step(
                VOID_PAYMENT,
                VoidInput(order_id=start.order_id, authorization=auth.reference or "",
                          reason="exchange difference not captured", at=workflow.now()),
            )  # fmt: skip
            return Decimal(0)
        await self._step(
            ISSUE_INVOICE,
            IssueInvoiceInput(order_id=start.order_id, payment_reference=capture.reference or "",
                              fulfillment=Fulfillment(warehouse=start.return_id, units={}, amount=amount,
                                                      lines=difference.owed),
                              order_status=None, at=workflow.now()),
        )  # fmt: skip
        return amount

    # --- helpers ------------------------------------------------------------------

    def _moved(self, status: ReturnStatus) -> None:
        """The return's status, also in the Web UI (details, and its search attribute)."""
        if status is self._status:
            return
        self._status = status
        workflow.set_current_details(f"Return {self._start.return_id}: {status.value}")
        workflow.upsert_search_attributes([RETURN_STATUS.value_set(status.value)])

    async def _close(
        self,
        status: ReturnStatus,
        accepted: dict[str, int] | None = None,
        refunded: Decimal = Decimal(0),
        charged: Decimal = Decimal(0),
        outcome: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> ReturnOutcome:
        await self._step(
            CLOSE_RETURN,
            CloseReturnInput(order_id=self._start.order_id, return_id=self._start.return_id, status=status,
                             refunded=refunded, outcome=outcome or {}, reason=reason, at=workflow.now()),
        )  # fmt: skip
        if status is ReturnStatus.CLOSED:
            await self._notify(
                "return_closed", refunded=str(refunded) if refunded else "",
                charged=str(charged) if charged else "", credit_notes=", ".join(self._credit_notes),
                replacement=", ".join((outcome or {}).get("replacement_parcels", [])),
            )  # fmt: skip
        self._moved(status)
        assert status in CLOSED_STATES
        self._outcome = ReturnOutcome(return_id=self._start.return_id, status=status, accepted=accepted or {},
                                      refunded=refunded, charged=charged, reason=reason)  # fmt: skip
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome

    async def _wait(self, done: Any, timeout: timedelta) -> bool:
        try:
            await workflow.wait_condition(done, timeout=timeout)
        except TimeoutError:
            return False
        return True

    async def _step(self, step: Step[In, Out], arg: In) -> Out:
        return await run_step(step, arg)
