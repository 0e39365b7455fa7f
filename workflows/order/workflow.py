"""The order workflow: one per customer order, from acceptance to the end of the return
window. Each phase of the process is a module of this package; this class puts them
together and its run reads as the process."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.orders import (
        OrderOutcome,
        OrderProgress,
        OrderStart,
    )

from workflows.order.base import _PARKS, CancelRequested
from workflows.order.cancel import Cancelling
from workflows.order.pay import Paying
from workflows.order.prepare import Preparing
from workflows.order.receive import Receiving
from workflows.order.return_window import ReturnWindow
from workflows.order.ship import Shipping


@workflow.defn
class OrderWorkflow(Receiving, Paying, Preparing, Shipping, ReturnWindow, Cancelling):
    @workflow.init
    def __init__(self, start: OrderStart) -> None:
        super().__init__(start)

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
