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
        known = self._returns.return_for(request.reference)
        if known is not None:
            return known
        assert self._accepted is not None
        start, quote = self._start, self._accepted.quote
        # Checked again here: two requests validated together must not share the same units.
        self._validate_return(request)
        units = {line.sku: line.quantity for line in request.lines}
        opened = self._returns.open(start.order_id, request.reference, units)
        return_id, before = opened.return_id, opened.returned_before
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
            accepted_before=dict(self._returns.accepted_back), approved_by_rules=approved, value=value,
            refund_shipping_on_full_return=start.refund_shipping_on_full_return,
            decision_timeout=start.return_decision_timeout,
            receipt_timeout=start.return_receipt_timeout,
        )  # fmt: skip
        child = await workflow.start_child_workflow(
            ReturnWorkflow.run,
            return_start,
            id=return_workflow_id(return_id),
            search_attributes=return_search_attributes(return_start, start.channel, start.customer_search_id),
            static_summary=return_summary(return_start),
        )
        self._return_tasks.append(asyncio.create_task(self._settle_return(return_id, units, child)))
        return return_id

    @request_return.validator
    def _validate_return(self, request: ReturnRequest) -> None:
        if self._returns.return_for(request.reference) is not None:
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
            check_returnable(request.lines, self._returns.left(self._received_units()))

    def _received_units(self) -> dict[str, int]:
        """What the customer got: the order's units less those whose parcels were cancelled."""
        assert self._accepted is not None
        return self._cancels.received({ln.sku: ln.quantity for ln in self._accepted.quote.lines})

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
        self._returns.settle(return_id, units, outcome.status, outcome.accepted)

    async def _return_window(self, start: OrderStart) -> None:
        """Delivered: a cancellation that came too late is refused; the customer is asked for
        feedback and may return goods until the window closes and every return is closed."""
        if self._cancels.pending is not None:
            self._refuse_cancel("the order has been delivered meanwhile")
        await self._after_delivery(start)
        await workflow.wait_condition(self._returns.all_closed)

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
