"""The return window: after delivery the customer is asked for feedback and may return
goods, each return a child workflow whose money joins the order's books; then the order closes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from contracts.ids import return_workflow_id
    from contracts.returns import OPEN_RETURN, OpenReturnInput
    from domain.errors import ErrorCode
    from domain.orders import (
        OrderOutcome,
        OrderStart,
    )
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
    from workflows.refusals import business_rules, refuse
    from workflows.returns import (
        ReturnOutcome,
        ReturnStart,
        ReturnWorkflow,
        return_search_attributes,
        return_summary,
    )

from workflows.order.base import (
    OrderBase,
)


class ReturnWindow(OrderBase):
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

    async def _return_window(self, start: OrderStart) -> None:
        """Delivered: a cancellation that came too late is refused; the customer is asked for
        feedback and may return goods until the window closes and every return is closed."""
        if self._cancel_request is not None:
            self._refuse_cancel("the order has been delivered meanwhile")
        await self._after_delivery(start)
        await workflow.wait_condition(lambda: not self._open_returns)

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

    async def _close(self) -> OrderOutcome:
        await self._record("completed", "order_completed", OrderStatus.COMPLETED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._outcome(OrderStatus.COMPLETED)
