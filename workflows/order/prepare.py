"""Prepare: each warehouse picks and packs its parcel; until one is packed the order may be
edited (lines, address, fewer units), priced again and paid for first."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.changes import (
        APPLY_CHANGE,
        PLAN_CHANGE,
        ApplyChangeInput,
        PlanChangeInput,
    )
    from contracts.fulfillment import (
        CONFIRM_PACKED,
        OPEN_FULFILLMENTS,
        PACKED_PARCELS,
        OpenFulfillmentsInput,
        PackedInput,
        ParcelPacked,
    )
    from contracts.payments import (
        AUTHORIZE_PAYMENT,
        AuthorizeInput,
    )
    from domain.changes import (
        CANCEL_PREFIX,
        ChangeOutcome,
        OrderChange,
        check_editable,
    )
    from domain.errors import ErrorCode
    from domain.orders import (
        PackConfirmation,
        PaymentOutcome,
    )
    from workflows.refusals import business_rules, refuse
    from workflows.refusals import refusal as _refusal
    from workflows.steps import run_activity

from workflows.order.base import (
    PACK_RECHECK_CAP,
    CancelRequested,
    OrderBase,
)


class Preparing(OrderBase):
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
    async def change(self, request: OrderChange) -> ChangeOutcome:
        """Edit the order before anything is packed: address, quantities, lines. A preview
        answers what would happen and changes nothing."""
        done = self._changes.answer(request.reference)
        if done is not None:
            return done
        outcome = await self._change_now(lambda: request)
        if outcome.applied:
            self._changes.record(request, outcome)
        return outcome

    @change.validator
    def _validate_change(self, request: OrderChange) -> None:
        if self._changes.answer(request.reference) is not None:
            with business_rules():
                self._changes.check_same(request)
            return
        if request.reference.startswith(CANCEL_PREFIX):
            raise refuse(
                ErrorCode.INVALID_BODY, f"References starting with {CANCEL_PREFIX!r} belong to cancellations"
            )
        self._check_editable()

    def _check_editable(self) -> None:
        with business_rules():
            check_editable(
                self._start.order_id,
                self._status,
                packed=list(self._packed),
                authorized=self._auth is not None,
                cancelling=self._cancels.pending is not None or self._accepted is None,
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
                more = await self._step(
                    AUTHORIZE_PAYMENT,
                    AuthorizeInput(order_id=self._start.order_id, amount=total,
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

    async def _prepare(self) -> None:
        """Each warehouse picks and packs its parcel; the order may be edited meanwhile."""
        await self._pick_and_pack(self._order().quote.grand_total)

    async def _pick_and_pack(self, total: Decimal) -> None:
        """Each warehouse picks and packs its parcel; the customer hears the order is confirmed."""
        self._packing = await self._step(
            OPEN_FULFILLMENTS,
            OpenFulfillmentsInput(order_id=self._start.order_id, at=workflow.now()),
        )
        await self._notify("order_confirmed", total=str(total), parcels=len(self._packing))
        self._publish()
        recheck = self._start.pack_recheck_interval
        while not self._all_packed() and self._cancels.pending is None:
            try:
                await workflow.wait_condition(
                    lambda: self._all_packed() or self._cancels.pending is not None, timeout=recheck
                )
            except TimeoutError:
                # Less often as packing drags on: a long wait costs a few dozen looks, not thousands.
                recheck = min(recheck * 2, PACK_RECHECK_CAP)
                await self._learn_packed()
            if self._cancels.pending is not None and self._inbox:
                await self._learn_packed()  # carrier news while packing: see what a lost task did
        if self._cancels.pending is not None and not (self._inbox and self._all_packed()):
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
