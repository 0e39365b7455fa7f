"""Receive: the order's content arrives with the accept update (priced, taxed, reserved) or
the run closes rejected; a backordered order waits for stock."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.intake import ACCEPT_ORDER, AcceptOrderInput
    from contracts.inventory import WAITING_BACKORDERS
    from domain.errors import ErrorCode
    from domain.orders import (
        AcceptedOrder,
        BackorderPolicy,
        OrderOutcome,
        OrderRequest,
        OrderStart,
    )
    from domain.status import OrderStatus
    from workflows.refusals import refusal as _refusal
    from workflows.refusals import refuse

from workflows.order.base import (
    ORDER_CLOSING,
    OrderBase,
)


class Receiving(OrderBase):
    @workflow.update
    async def accept(self, request: OrderRequest) -> AcceptedOrder:
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
    def _validate_accept(self, request: OrderRequest) -> None:
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
    def stock_reserved(self) -> None:
        """Inventory filled this order's backorders: it can go on."""
        self._stock_arrived = True

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
            return self._outcome(OrderStatus.REJECTED, self._rejected.type if self._rejected else None)
        self._books.currency = self._accepted.quote.currency
        return None

    async def _wait_for_stock(self, start: OrderStart) -> OrderOutcome | None:
        accepted = self._order()
        return await self._await_stock(start) if accepted.status is OrderStatus.BACKORDERED else None

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
                why = "backorder wait limit reached; support alerted"
                await self._record("backorder_overdue", "backorder_overdue", None, reason=why)
                await self._alert("backorder_overdue", "backorder_overdue", why)
                deadline = None
        await self._record("backorder_filled", "backorder_filled", OrderStatus.ACCEPTED)
        return None
