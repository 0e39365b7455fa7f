"""The PDFs an order page links to: invoices, credit notes and parcel labels, for whoever
may read them over the API, under the console's session (a browser has no bearer key)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from db import invoice_views, shipping_views
from starter.console.pages import render
from starter.console.permissions import may
from starter.console.sessions import PREFIX, ConsoleRefusal, Staff, StaffSession
from starter.http.dependencies import Svc
from starter.http.routes.invoices import inline_pdf
from starter.operations.invoice_pdf import render_credit_note, render_invoice
from starter.operations.sessions import read

router = APIRouter(prefix=PREFIX)
Number = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


async def _pdf(
    request: Request,
    staff: StaffSession,
    api_route: str,
    find: Callable[[Session, str], Any],
    draw: Callable[[Any], bytes] | None,
    number: str,
) -> Response:
    if not may(staff.principal, "GET", api_route):
        raise ConsoleRefusal(f"A {staff.principal.role.value} key may not open this document.")
    found = await read(request.app.state.services.db, find, number)
    if found is None:
        return render(request, staff, "refused.html", status_code=404, message=f"No document {number}.")
    pdf = found if draw is None else await run_in_threadpool(draw, found)
    return Response(pdf, media_type="application/pdf", headers=inline_pdf(number))


@router.get("/invoices/{number}.pdf", response_class=Response)
async def invoice_pdf(request: Request, staff: Staff, svc: Svc, number: Number) -> Response:
    return await _pdf(
        request, staff, "/invoices/{number}.pdf", invoice_views.invoice_detail, render_invoice, number
    )


@router.get("/credit-notes/{number}.pdf", response_class=Response)
async def credit_note_pdf(request: Request, staff: Staff, svc: Svc, number: Number) -> Response:
    return await _pdf(
        request,
        staff,
        "/credit-notes/{number}.pdf",
        invoice_views.credit_note_detail,
        render_credit_note,
        number,
    )


@router.get("/labels/{number}.pdf", response_class=Response)
async def label_pdf(request: Request, staff: Staff, svc: Svc, number: Number) -> Response:
    return await _pdf(
        request, staff, "/shipments/{tracking_number}/label.pdf", shipping_views.label, None, number
    )
