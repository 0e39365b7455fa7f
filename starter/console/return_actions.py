"""Returns from the order page: ask for one on the customer's behalf, approve or reject one
the rules left to support, and book one in with what was found in the parcel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from domain.errors import OrdinoError
from domain.returns import Decision, ReceiveReturn, ReturnRequest
from starter.console.confirmation import Confirmation, carried, done
from starter.console.forms import fresh_reference, text, validated, whole
from starter.console.order_actions import QTY, ROUTES, OrderId, allowed, order_of
from starter.console.sessions import PREFIX, ConsoleRefusal, StaffPost
from starter.http.dependencies import Services, Svc
from starter.operations import returns

router = APIRouter(prefix=PREFIX)
ReturnId = Annotated[str, Path(max_length=120)]
REASON = "reason:"  # a returned line's reason: reason:<SKU>
RESELLABLE, DAMAGED = "resellable:", "damaged:"  # units found per SKU


@router.post("/orders/{order_id}/returns", response_model=None)
async def request_return(request: Request, order_id: OrderId, staff: StaffPost, svc: Svc) -> Response:
    allowed(staff, *ROUTES["return"])
    form, order = await request.form(), await order_of(svc, order_id)
    lines = [
        {
            "sku": (sku := key.removeprefix(QTY)),
            "quantity": whole(form, key),
            "reason": text(form, REASON + sku),
        }
        for key in form
        if key.startswith(QTY) and whole(form, key)
    ]
    data = {
        "reference": text(form, "reference") or fresh_reference(),
        "lines": lines,
        "resolution": text(form, "resolution") or "refund",
        "note": text(form, "note") or None,
        "actor": staff.principal.actor,
    }
    what = ", ".join(f"{line['quantity']} of {line['sku']} ({line['reason']})" for line in lines)
    facts = [("Return", what or "nothing chosen"), ("Resolution", str(data["resolution"]))]
    ask = Confirmation(
        order, "Ask for a return", request.url.path, "Ask for the return", facts, carried(form)
    )

    async def act(sure: bool) -> None:
        body = validated(ReturnRequest, data)
        if sure:
            await returns.request(svc.client, svc.db, order_id, body)

    return await ask.answer(request, staff, form, act, done(order_id, "return_requested"))


async def _return_and_order(svc: Services, return_id: str) -> tuple[Any, Any]:
    try:
        found = await returns.view(svc.db, return_id)
    except OrdinoError:
        raise ConsoleRefusal(f"No return {return_id}.", status_code=404) from None
    return found, await order_of(svc, found.order_id)


async def _decide(
    request: Request, return_id: str, staff: StaffPost, svc: Services, approve: bool
) -> Response:
    allowed(staff, *ROUTES["approve" if approve else "reject"])
    form = await request.form()
    found, order = await _return_and_order(svc, return_id)
    reason = text(form, "reason") or None
    verb = "Approve" if approve else "Reject"
    facts = [("Return", found.reference), ("Reason", reason or "none given")]
    ask = Confirmation(order, f"{verb} the return", request.url.path, f"{verb} it", facts, carried(form),
                       danger=not approve)  # fmt: skip

    async def act(sure: bool) -> None:
        decision = validated(Decision, {"approve": approve, "reason": reason, "actor": staff.principal.actor})
        if sure:
            await returns.decide(svc.client, svc.db, return_id, decision)

    return await ask.answer(
        request, staff, form, act, done(order.id, "return_approved" if approve else "return_rejected")
    )


@router.post("/returns/{return_id}/approve", response_model=None)
async def approve(request: Request, return_id: ReturnId, staff: StaffPost, svc: Svc) -> Response:
    return await _decide(request, return_id, staff, svc, approve=True)


@router.post("/returns/{return_id}/reject", response_model=None)
async def reject(request: Request, return_id: ReturnId, staff: StaffPost, svc: Svc) -> Response:
    return await _decide(request, return_id, staff, svc, approve=False)


@router.post("/returns/{return_id}/receive", response_model=None)
async def receive(request: Request, return_id: ReturnId, staff: StaffPost, svc: Svc) -> Response:
    allowed(staff, *ROUTES["receive"])
    form = await request.form()
    found, order = await _return_and_order(svc, return_id)
    items = [
        {"sku": key.removeprefix(prefix), "quantity": whole(form, key), "outcome": outcome}
        for prefix, outcome in ((RESELLABLE, "resellable"), (DAMAGED, "damaged"))
        for key in form
        if key.startswith(prefix) and whole(form, key)
    ]
    warehouse = text(form, "warehouse").upper()
    found_text = ", ".join(f"{i['quantity']} of {i['sku']} {i['outcome']}" for i in items)
    facts = [("Return", found.reference), ("At", warehouse), ("Found", found_text or "nothing")]
    ask = Confirmation(order, "Receive the return", request.url.path, "Book it in", facts, carried(form))

    async def act(sure: bool) -> None:
        data = {"warehouse": warehouse, "items": items, "actor": staff.principal.actor}
        receipt = validated(ReceiveReturn, data)
        if sure:
            await returns.receive(svc.client, svc.db, return_id, receipt)

    return await ask.answer(request, staff, form, act, done(order.id, "return_received"))
