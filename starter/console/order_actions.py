"""What support does to an order from its page: edit it, cancel it or some of its units,
refund goodwill, correct a held address, run a parked step again. Each goes through the
same workflow update the API sends (starter/operations/), after a confirmation page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from db import order_views
from domain.changes import Cancellation, OrderChange
from domain.orders import AddressCorrection, RefundRequest
from domain.status import TERMINAL, OrderStatus
from starter.console.confirmation import Confirmation, carried, done
from starter.console.forms import address, amount, fresh_reference, text, validated, whole
from starter.console.pages import money
from starter.console.permissions import may
from starter.console.sessions import PREFIX, ConsoleRefusal, StaffPost, StaffSession
from starter.http.dependencies import Services, Svc
from starter.operations import changes, refunds, shipping
from starter.operations.sessions import read

router = APIRouter(prefix=PREFIX)
OrderId = Annotated[str, Path(max_length=100)]
QTY = "qty:"  # a line's new quantity: qty:<SKU>


# The actions of the order page, by the API route each one sends.
ROUTES = {
    "change": ("POST", "/orders/{order_id}/changes"),
    "cancel": ("POST", "/orders/{order_id}/cancellations"),
    "refund": ("POST", "/orders/{order_id}/refunds"),
    "address": ("PUT", "/orders/{order_id}/shipping-address"),
    "retry": ("POST", "/orders/{order_id}/retry"),
    "return": ("POST", "/orders/{order_id}/returns"),
    "approve": ("POST", "/returns/{return_id}/approve"),
    "reject": ("POST", "/returns/{return_id}/reject"),
    "receive": ("POST", "/returns/{return_id}/receive"),
}


def allowed(staff: StaffSession, method: str, api_route: str) -> None:
    if not may(staff.principal, method, api_route):
        raise ConsoleRefusal(f"A {staff.principal.role.value} key may not do this.")


async def order_of(svc: Services, order_id: str) -> order_views.OrderDetail:
    order = await read(svc.db, order_views.order_detail, order_id) if order_id.isprintable() else None
    if order is None:
        raise ConsoleRefusal(f"No order {order_id}.", status_code=404)
    return order


def _quantities(form: FormData, order: order_views.OrderDetail) -> list[dict[str, Any]]:
    """The lines whose quantity the form changes, and a line it adds."""
    ordered = {line.sku: line.quantity for line in order.lines}
    lines = [
        {"sku": key.removeprefix(QTY), "quantity": whole(form, key)}
        for key in form
        if key.startswith(QTY) and whole(form, key) != ordered.get(key.removeprefix(QTY))
    ]
    if added := text(form, "add_sku").upper():
        lines.append({"sku": added, "quantity": whole(form, "add_qty") or 1})
    return lines


@router.post("/orders/{order_id}/change", response_model=None)
async def change(request: Request, order_id: OrderId, staff: StaffPost, svc: Svc) -> Response:
    allowed(staff, *ROUTES["change"])
    form, order = await request.form(), await order_of(svc, order_id)
    data: dict[str, Any] = {
        "reference": text(form, "reference") or fresh_reference(),
        "lines": _quantities(form, order),
        "shipping_address": address(form) if form.get("new_address") == "yes" else None,
        "reason": text(form, "reason") or None,
        "actor": staff.principal.actor,
    }
    ask = Confirmation(order, "Change the order", request.url.path, "Make the change", fields=carried(form))

    async def act(sure: bool) -> None:
        body = validated(OrderChange, data).model_copy(update={"preview": not sure})
        outcome = await changes.change(svc.client, svc.db, order_id, body)
        ask.plan = outcome.plan  # the workflow's own preview is the confirmation

    return await ask.answer(request, staff, form, act, done(order_id, "changed"))


@router.post("/orders/{order_id}/cancel", response_model=None)
async def cancel(request: Request, order_id: OrderId, staff: StaffPost, svc: Svc) -> Response:
    allowed(staff, *ROUTES["cancel"])
    form, order = await request.form(), await order_of(svc, order_id)
    some = form.get("scope") == "some"
    lines = [
        {"sku": key.removeprefix(QTY), "quantity": whole(form, key)}
        for key in form
        if some and key.startswith(QTY) and whole(form, key)
    ]
    data = {
        "reference": text(form, "reference") or fresh_reference(),
        "reason": text(form, "reason"),
        "lines": lines if some else None,
        "actor": staff.principal.actor,
    }
    what = ", ".join(f"{line['quantity']} of {line['sku']}" for line in lines) if some else "the whole order"
    facts = [("Cancel", what or "nothing chosen"), ("Reason", str(data["reason"]))]
    if not some:
        facts.append(("Money", "the authorization is voided, or what was captured is refunded"))
    button = "Cancel these units" if some else "Cancel the order"
    ask = Confirmation(order, "Cancel", request.url.path, button, facts, carried(form), danger=True)

    async def act(sure: bool) -> None:
        body = validated(Cancellation, data)
        if sure:
            await changes.cancel(svc.client, svc.db, order_id, body)

    return await ask.answer(
        request, staff, form, act, done(order_id, "cancelled_units" if some else "cancelled")
    )


@router.post("/orders/{order_id}/refund", response_model=None)
async def refund(request: Request, order_id: OrderId, staff: StaffPost, svc: Svc) -> Response:
    allowed(staff, *ROUTES["refund"])
    form, order = await request.form(), await order_of(svc, order_id)
    data = {
        "amount": amount(form, "amount"),
        "reason": text(form, "reason"),
        "reference": text(form, "reference") or fresh_reference(),
    }
    shown = money(data["amount"], order.currency) if not isinstance(data["amount"], str) else data["amount"]
    facts = [("Refund", shown), ("Reason", str(data["reason"]))]
    ask = Confirmation(
        order, "Goodwill refund", request.url.path, "Refund", facts=facts, fields=carried(form)
    )

    async def act(sure: bool) -> None:
        body = refunds.with_limit(validated(RefundRequest, data), staff.principal, svc.settings)
        if sure:
            await refunds.refund(svc.client, svc.db, order_id, body)

    return await ask.answer(request, staff, form, act, done(order_id, "refunded"))


@router.post("/orders/{order_id}/address", response_model=None)
async def correct_address(request: Request, order_id: OrderId, staff: StaffPost, svc: Svc) -> Response:
    allowed(staff, *ROUTES["address"])
    form, order = await request.form(), await order_of(svc, order_id)
    new = address(form)
    shown = ", ".join(v for v in new.values() if v)
    facts = [("Ship to", shown)]
    ask = Confirmation(
        order, "Correct the address", request.url.path, "Correct and book again", facts, carried(form)
    )

    async def act(sure: bool) -> None:
        body = validated(AddressCorrection, {"address": new, "actor": staff.principal.actor})
        if sure:
            await shipping.correct_address(svc.client, svc.db, order_id, body)

    return await ask.answer(request, staff, form, act, done(order_id, "address"))


@router.post("/orders/{order_id}/retry", response_model=None)
async def retry(request: Request, order_id: OrderId, staff: StaffPost, svc: Svc) -> Response:
    allowed(staff, *ROUTES["retry"])
    form, order = await request.form(), await order_of(svc, order_id)
    facts = [("Order", order.id), ("Status", order.status)]
    ask = Confirmation(
        order, "Run the parked step again", request.url.path, "Run it again", facts, carried(form)
    )

    async def act(sure: bool) -> None:
        if sure:
            await shipping.retry_parked(svc.client, svc.db, order_id, staff.principal.actor)

    return await ask.answer(request, staff, form, act, done(order_id, "retried"))


S = OrderStatus
BEFORE_PACKING = frozenset({S.RECEIVED, S.BACKORDERED, S.ACCEPTED, S.AUTHORIZED})
NOT_DELIVERED = frozenset(S) - {S.DELIVERED, S.PARTIALLY_DELIVERED, S.COMPLETED} - TERMINAL


def offered(staff: StaffSession, order: order_views.OrderDetail) -> set[str]:
    """The actions the order page offers: those the key may take, where the order's state
    leaves them open (the workflow decides in the end, and its refusal is shown)."""
    status = OrderStatus(order.status)
    captured = any(p.operation == "capture" and p.status == "approved" for p in order.payments)
    open_for = {
        "change": status in BEFORE_PACKING,
        "cancel": status in NOT_DELIVERED,
        "refund": captured and status not in TERMINAL,
        "address": status is S.ON_HOLD,
        "retry": status not in TERMINAL and any(e.data.get("kind") == "step_parked" for e in order.timeline),
        "return": status in (S.DELIVERED, S.PARTIALLY_DELIVERED),
        "approve": True,
        "reject": True,
        "receive": True,
    }
    return {
        name
        for name, (method, route) in ROUTES.items()
        if open_for[name] and may(staff.principal, method, route)
    }
