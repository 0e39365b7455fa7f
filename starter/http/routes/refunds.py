"""Refunds and credit notes over HTTP. A refund is an update of the order's workflow: it
happens whole, or is refused with a code and changes nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from contracts.refunds import RefundOutcome
from db import invoice_views as views
from domain.errors import ErrorCode, OrdinoError
from domain.orders import RefundRequest
from starter.http.access import Caller, GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key, OrderId
from starter.http.routes.invoices import PDF, inline_pdf
from starter.operations import refunds
from starter.operations.invoice_pdf import render_credit_note
from starter.operations.sessions import read, read_one

router = APIRouter(tags=["refunds"], route_class=GuardedRoute)
NOT_FOUND = refusals(ErrorCode.CREDIT_NOTE_NOT_FOUND)


@router.post(
    "/orders/{order_id}/refunds",
    status_code=201,
    response_model=RefundOutcome,
    openapi_extra=refusals(
        ErrorCode.ORDER_NOT_FOUND,
        ErrorCode.ORDER_CLOSED,
        ErrorCode.NO_CAPTURE,
        ErrorCode.INVALID_AMOUNT,
        ErrorCode.IDEMPOTENCY_CONFLICT,
        ErrorCode.REFUND_EXCEEDS_CAPTURED,
    ),
)
async def refund(order_id: OrderId, body: RefundRequest, svc: Svc, caller: Caller) -> RefundOutcome:
    """A goodwill refund by support: reason required; never more than was captured net of
    earlier refunds; one credit note per invoice it corrects. The reference makes it
    idempotent: the same reference again answers with the same refund."""
    return await refunds.refund(svc.client, svc.db, order_id, refunds.with_limit(body, caller, svc.settings))


@router.get("/credit-notes", response_model=list[views.CreditNoteView], tags=["invoices"])
async def list_credit_notes(
    svc: Svc, order_id: OrderId | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[views.CreditNoteView]:
    return await read(svc.db, views.credit_notes, order_id, limit)


@router.get(
    "/credit-notes/{number}.pdf",
    response_class=Response,
    responses=PDF,
    tags=["invoices"],
    openapi_extra=NOT_FOUND,
)
async def credit_note_pdf(number: Key, svc: Svc) -> Response:
    found = await read_one(svc.db, _no_credit_note(number), views.credit_note_detail, number)
    pdf = await run_in_threadpool(render_credit_note, found)
    return Response(pdf, media_type="application/pdf", headers=inline_pdf(number))


@router.get(
    "/credit-notes/{number}", response_model=views.CreditNoteView, tags=["invoices"], openapi_extra=NOT_FOUND
)
async def credit_note(number: Key, svc: Svc) -> views.CreditNoteView:
    return await read_one(svc.db, _no_credit_note(number), views.credit_note, number)


def _no_credit_note(number: str) -> OrdinoError:
    return OrdinoError(ErrorCode.CREDIT_NOTE_NOT_FOUND, f"No credit note {number}", {"number": number})
