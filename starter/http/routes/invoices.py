"""Invoices over HTTP: the list, one invoice, and its PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from db import invoice_views as views
from domain.errors import ErrorCode, OrdinoError
from starter.http.access import GuardedRoute
from starter.http.dependencies import Svc
from starter.http.openapi import refusals
from starter.http.params import Key, Offset, OrderId
from starter.operations.invoice_pdf import render_invoice
from starter.operations.sessions import read, read_one

router = APIRouter(prefix="/invoices", tags=["invoices"], route_class=GuardedRoute)
NOT_FOUND = refusals(ErrorCode.INVOICE_NOT_FOUND)
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
}


def inline_pdf(number: str) -> dict[str, str]:
    return {"content-disposition": f'inline; filename="{number}.pdf"'}


@router.get("", response_model=views.InvoicePage)
async def list_invoices(
    svc: Svc,
    order_id: OrderId | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> views.InvoicePage:
    return await read(svc.db, views.list_invoices, order_id, limit, offset)


async def _invoice(svc: Svc, number: str) -> views.InvoiceDetail:
    missing = OrdinoError(ErrorCode.INVOICE_NOT_FOUND, f"No invoice {number}", {"number": number})
    return await read_one(svc.db, missing, views.invoice_detail, number)


@router.get("/{number}.pdf", response_class=Response, responses=PDF, openapi_extra=NOT_FOUND)
async def invoice_pdf(number: Key, svc: Svc) -> Response:
    invoice = await _invoice(svc, number)
    pdf = await run_in_threadpool(render_invoice, invoice)
    return Response(pdf, media_type="application/pdf", headers=inline_pdf(number))


@router.get("/{number}", response_model=views.InvoiceDetail, openapi_extra=NOT_FOUND)
async def invoice(number: Key, svc: Svc) -> views.InvoiceDetail:
    return await _invoice(svc, number)
