"""Placing an order: its payment token kept in PostgreSQL (never in Temporal), then
update-with-start on the order's workflow id, so a channel that retries, even concurrently,
gets the same order back and never a second one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError

from contracts.ids import accept_update_id, order_workflow_id
from db import order_views, payment_tokens
from db.engine import Database
from domain import vat_numbers
from domain.errors import ErrorCode, OrdinoError
from domain.orders import AcceptedOrder, OrderOutcome, OrderRequest, OrderStart, PlaceOrder
from domain.status import OrderStatus
from settings import Settings
from starter.operations.sessions import write
from starter.operations.updates import business_error
from workflows.order import ORDER_CLOSING, OrderWorkflow
from workflows.search_attributes import CUSTOMER_ID, ORDER_CHANNEL, ORDER_ID, ORDER_STATUS

CLOSING_RETRIES = 40


def _stored(s: Session, order_id: str) -> AcceptedOrder | None:
    if not order_views.order_exists(s, order_id):  # the common case: one cheap query
        return None
    return order_views.accepted_order(s, order_id)


def _stored_or_token_kept(s: Session, request: PlaceOrder) -> AcceptedOrder | None:
    """The order if it was accepted before; else its payment token is kept for the payment
    steps, in the same transaction, and the workflow only ever gets the order without it."""
    stored = _stored(s, request.order_id)
    if stored is None:
        payment_tokens.keep(s, request.order_id, request.payment_token, datetime.now(UTC))
    return stored


def _same_request(accepted: AcceptedOrder, request: PlaceOrder) -> AcceptedOrder:
    if accepted.request_fingerprint != request.fingerprint():
        raise OrdinoError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            f"Order {request.external_id} of channel {request.channel} was placed before "
            "with different content",
            {"order_id": accepted.order_id},
        )
    return accepted


async def place_order(
    client: Client, db: Database, settings: Settings, request: PlaceOrder
) -> tuple[AcceptedOrder, bool]:
    """Return the accepted order and whether this call created it."""
    # An order that was accepted before is answered from PostgreSQL; that also covers
    # orders whose workflow has long completed.
    channel = settings.channels.get(request.channel)
    if channel is None:
        raise OrdinoError(
            ErrorCode.UNKNOWN_CHANNEL,
            f"Unknown sales channel {request.channel!r}",
            {"channel": request.channel},
        )
    stored = await write(db, _stored_or_token_kept, request)
    if stored is not None:
        return _same_request(stored, request), False
    # After the replay: an order stored before its number was checked still answers as it was.
    vat_numbers.refuse_invalid(request.customer.vat_id, "customer.vat_id")
    order_start = settings.order_start(request, channel)

    # An operation can be used once only: each attempt makes its own.
    def start() -> WithStartWorkflowOperation[OrderWorkflow, OrderOutcome]:
        return WithStartWorkflowOperation(
            OrderWorkflow.run,
            order_start,
            id=order_workflow_id(request.order_id),
            task_queue=settings.task_queue,
            # A running order absorbs duplicates; a rejected (closed, never stored) order may be
            # placed again.
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            search_attributes=initial_search_attributes(order_start),
            static_summary=order_summary(order_start, request),
        )

    # Same content, same update id: Temporal answers duplicates with the first outcome.
    update_id = accept_update_id(request.fingerprint())
    for _ in range(CLOSING_RETRIES):
        operation = start()
        try:
            accepted = await client.execute_update_with_start_workflow(
                OrderWorkflow.accept,
                request.without_payment_token(),
                start_workflow_operation=operation,
                id=update_id,
            )
            return _same_request(accepted, request), True
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == ORDER_CLOSING:
                await asyncio.sleep(0.05)  # a rejected run of this order is closing; then retry
                continue
            raise business_error(err) from err
        except WorkflowUpdateRPCTimeoutOrCancelledError as err:
            raise OrdinoError(
                ErrorCode.UPDATE_TIMEOUT,
                "The order did not answer in time; place it again as it was: it is placed once",
                {"order_id": request.order_id},
            ) from err
        finally:
            _forget_failed_start(operation)
    raise OrdinoError(ErrorCode.ORDER_BUSY, "The order is still closing a rejected attempt; retry")


def _forget_failed_start(operation: WithStartWorkflowOperation[OrderWorkflow, OrderOutcome]) -> None:
    """When the call fails before the workflow started (Temporal down, no answer in time),
    the SDK keeps why for `operation.workflow_handle()`, which nothing here awaits: read it,
    or asyncio logs it as never retrieved, with a traceback."""
    started = operation._workflow_handle  # no public way to look without waiting
    if started.done() and not started.cancelled():
        started.exception()


def initial_search_attributes(start: OrderStart) -> TypedSearchAttributes:
    """What ops search orders by in the Temporal Web UI, in the clear (never an e-mail
    address: see domain/pseudonyms.py); the workflow keeps the status current."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(ORDER_STATUS, OrderStatus.RECEIVED.value),
            SearchAttributePair(ORDER_CHANNEL, start.channel),
            SearchAttributePair(CUSTOMER_ID, start.customer_search_id),
            SearchAttributePair(ORDER_ID, start.order_id),  # finds the order and its returns
        ]
    )


def order_summary(start: OrderStart, request: OrderRequest) -> str:
    """The workflow's summary in the Web UI: written before the order is priced (its current
    details add the total), and naming the customer as the search attributes do."""
    items = sum(line.quantity for line in request.lines)
    return f"{start.channel} order {start.external_id} for {start.customer_search_id}: {items} item(s)"
