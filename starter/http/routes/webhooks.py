"""Webhooks from carriers and payment providers. Each is signed with a secret of its sender's
(header X-Ordino-Signature) and reaches the order's workflow as a signal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import structlog
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from temporalio.service import RPCError, RPCStatusCode

from contracts.ids import order_workflow_id
from db import order_views, returned_parcels
from domain.errors import ErrorCode, OrdinoError
from domain.orders import PaymentEvent
from domain.tracking import TrackingEvent, TrackingStatus
from providers import webhook_signature
from starter.http.access import GuardedRoute
from starter.http.dependencies import Services, Svc
from starter.http.metrics import api_metrics
from starter.http.openapi import json_body, refusals
from starter.operations.sessions import read_one, write
from workflows.order import OrderWorkflow

log = structlog.get_logger()
router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=GuardedRoute)
Event = TypeVar("Event", bound=BaseModel)
SIGNATURE = {
    "name": webhook_signature.HEADER,
    "in": "header",
    "required": True,
    "description": "`t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.' + body>` with the shared secret",
    "schema": {"type": "string", "maxLength": 200},
}


def _signed_json(model: type[BaseModel], *codes: ErrorCode) -> dict[str, Any]:
    return json_body(model) | refusals(ErrorCode.INVALID_SIGNATURE, *codes) | {"parameters": [SIGNATURE]}


class WebhookAnswer(BaseModel):
    order_id: str
    status: Literal["accepted", "ignored"]


async def _signed(request: Request, secrets: list[str], model: type[Event]) -> Event:
    """The event, if the sender's signature over the raw body is right (with one of its
    secrets); 401 otherwise, 422 if malformed."""
    body = await request.body()
    if not webhook_signature.verify(secrets, body, request.headers.get(webhook_signature.HEADER)):
        raise OrdinoError(ErrorCode.INVALID_SIGNATURE, "Missing, wrong or stale webhook signature")
    try:
        return model.model_validate_json(body)
    except ValidationError as err:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in err.errors()]) from err


@contextmanager
def _refusals_counted(request: Request, sender: str) -> Iterator[None]:
    """A sender whose calls are refused (a rotated secret, a malformed body) shows in the
    metrics by sender and code."""
    try:
        yield
    except OrdinoError as err:
        api_metrics(request).webhooks_refused.labels(sender, err.code.value).inc()
        raise
    except RequestValidationError:
        api_metrics(request).webhooks_refused.labels(sender, ErrorCode.INVALID_BODY.value).inc()
        raise


async def _signal(
    svc: Services, order_id: str, signal: Any, event: BaseModel
) -> Literal["accepted", "ignored"]:
    """Deliver the event; a closed order has nothing left to do with it, and the sender is
    told so (200-range, so it stops retrying)."""
    try:
        await svc.client.get_workflow_handle(order_workflow_id(order_id)).signal(signal, event)
    except RPCError as err:
        if err.status is not RPCStatusCode.NOT_FOUND:
            raise
        log.info("late webhook ignored", order_id=order_id)
        return "ignored"
    return "accepted"


@router.post(
    "/carrier",
    status_code=202,
    response_model=WebhookAnswer,
    openapi_extra=_signed_json(TrackingEvent, ErrorCode.UNKNOWN_TRACKING_NUMBER),
)
async def carrier(request: Request, svc: Svc) -> WebhookAnswer:
    """A carrier's tracking event."""
    with _refusals_counted(request, "carrier"):
        event = await _signed(request, svc.settings.carrier_webhook_secrets, TrackingEvent)

        unknown = OrdinoError(
            ErrorCode.UNKNOWN_TRACKING_NUMBER, f"No parcel with tracking number {event.tracking_number}"
        )
        order_id = await read_one(svc.db, unknown, order_views.order_id_for_tracking, event.tracking_number)
    request.state.order_id = order_id
    if event.status is TrackingStatus.RETURNED_TO_SENDER:
        # The goods are physically back, whatever the order does about it (reship or refund).
        await write(svc.db, returned_parcels.parcel_back, event.tracking_number, datetime.now(UTC))
    status = await _signal(svc, order_id, OrderWorkflow.carrier_event, event)
    log.info("carrier event", order_id=order_id, status=event.status.value, event_id=event.event_id)
    return WebhookAnswer(order_id=order_id, status=status)


@router.post(
    "/payments",
    status_code=202,
    response_model=WebhookAnswer,
    openapi_extra=_signed_json(PaymentEvent, ErrorCode.UNKNOWN_PAYMENT),
)
async def payments(request: Request, svc: Svc) -> WebhookAnswer:
    """A payment provider settles a pending payment (3-D Secure passed or failed, a bank
    transfer received)."""
    with _refusals_counted(request, "payments"):
        event = await _signed(request, svc.settings.payment_webhook_secrets, PaymentEvent)

        unknown = OrdinoError(ErrorCode.UNKNOWN_PAYMENT, f"No payment {event.reference}")
        order_id = await read_one(svc.db, unknown, order_views.order_id_for_payment, event.reference)
    request.state.order_id = order_id
    status = await _signal(svc, order_id, OrderWorkflow.payment_event, event)
    log.info("payment event", order_id=order_id, status=event.status, event_id=event.event_id)
    return WebhookAnswer(order_id=order_id, status=status)
