"""The step between asking for an action and doing it: a page that says what will happen,
with the form's fields carried along, and the refusal shown there if the action is refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from domain.changes import ChangePlan
from domain.errors import HTTP_STATUS, OrdinoError
from starter.console.pages import render
from starter.console.sessions import StaffSession

CONFIRMED = "confirmed"

# What the order page says after an action, by the code the action redirects with (a code,
# not the text: a link someone sends cannot make the console say anything else).
DONE = {
    "changed": "The order is changed.",
    "cancelled": "The order is cancelled.",
    "cancelled_units": "The units are cancelled.",
    "refunded": "The refund is made; its credit note is below.",
    "address": "The address is corrected; the parcel is booked again.",
    "retried": "The step runs again.",
    "return_requested": "The return is asked for.",
    "return_approved": "The return is approved; the customer gets a label.",
    "return_rejected": "The return is rejected.",
    "return_received": "The return is received.",
    "noted": "The note is added.",
}


def confirmed(form: FormData) -> bool:
    return form.get(CONFIRMED) == "yes"


@dataclass
class Confirmation:
    """What the confirmation page shows: what is asked, with the fields to send again."""

    order: Any
    title: str
    action: str
    button: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)
    danger: bool = False
    plan: ChangePlan | None = None

    async def answer(
        self,
        request: Request,
        staff: StaffSession,
        form: FormData,
        act: Callable[[bool], Awaitable[None]],
        then: Response,
    ) -> Response:
        """What an action's POST answers. Not yet confirmed: `act(False)` checks the request
        (and may fill in a preview), then this page asks for confirmation. Confirmed:
        `act(True)` does it, then `then`. A refusal of either is shown on this page."""
        sure = confirmed(form)
        try:
            await act(sure)
        except OrdinoError as err:
            return self.page(request, staff, err)
        return then if sure else self.page(request, staff)

    def page(self, request: Request, staff: StaffSession, error: OrdinoError | None = None) -> HTMLResponse:
        status = HTTP_STATUS[error.code] if error else 200
        return render(request, staff, "orders/confirm.html", status_code=status, ask=self, error=error,
                      order=self.order)  # fmt: skip


def carried(form: FormData, *skip: str) -> list[tuple[str, str]]:
    """The form's fields, to send again from the confirmation page."""
    dropped = {"csrf_token", CONFIRMED, *skip}
    return [(k, v) for k, v in form.multi_items() if k not in dropped and isinstance(v, str)]


def done(order_id: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/console/orders/{order_id}?done={what}", status_code=303)
