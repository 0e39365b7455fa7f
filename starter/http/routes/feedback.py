"""Customer feedback over HTTP: one rating per order (the report is routes/reports.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError

from db import feedback
from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.feedback_links import valid_feedback_token
from domain.orders import FeedbackRequest
from starter.http.access import GuardedRoute
from starter.http.dependencies import Services, Svc
from starter.http.openapi import refusals
from starter.http.params import OrderId
from starter.operations.sessions import write

router = APIRouter(tags=["feedback"], route_class=GuardedRoute)


class FeedbackRecorded(BaseModel):
    order_id: str
    status: Literal["recorded"]


@router.post(
    "/orders/{order_id}/feedback",
    status_code=201,
    response_model=FeedbackRecorded,
    openapi_extra=refusals(ErrorCode.ORDER_NOT_FOUND, ErrorCode.NOT_DELIVERED, ErrorCode.FEEDBACK_EXISTS),
)
async def give_feedback(order_id: OrderId, body: FeedbackRequest, svc: Svc) -> FeedbackRecorded:
    """One rating (1-5) and a comment per delivered order; a second gets 409 feedback_exists."""

    await _record(svc, order_id, body)
    return FeedbackRecorded(order_id=order_id, status="recorded")


async def _record(svc: Services, order_id: str, body: FeedbackRequest) -> None:
    await write(svc.db, feedback.record, order_id, body, datetime.now(UTC))


def _page(text: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>Your order</title>"
        f"<body style='font-family:sans-serif;max-width:32em;margin:3em auto'>{text}</body>",
        status_code=status_code,
    )


HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["rating"],
                    "properties": {
                        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                        "comment": {"type": "string", "maxLength": 2000},
                    },
                }
            }
        },
    }
}


LINK_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not the link of this order's feedback mail", "content": HTML}
}
Token = Annotated[str | None, Query(max_length=64, description="The token of the feedback mail's link")]


def _link_refused() -> HTMLResponse:
    return _page("<p>This link is not valid: please use the one in your mail.</p>", 403)


@router.get(
    "/orders/{order_id}/feedback",
    response_class=HTMLResponse,
    responses={200: {"content": HTML}, **LINK_REFUSED},
)
async def feedback_form(order_id: OrderId, svc: Svc, token: Token = None) -> HTMLResponse:
    """The page the feedback mail links to: a form that posts to .../feedback/form."""
    if not valid_feedback_token(svc.settings.link_secret, order_id, token):
        return _link_refused()
    stars = "".join(
        f"<label><input type=radio name=rating value={n} required> {n}</label> " for n in range(1, 6)
    )
    return _page(
        f"<h1>How was your order?</h1><form method=post "
        f"action='/orders/{quote(order_id)}/feedback/form?token={quote(token or '')}'>"
        f"<p>{stars}</p><p><textarea name=comment rows=4 cols=40 maxlength=2000 "
        "placeholder='What could we do better?'></textarea></p><button>Send</button></form>"
    )


@router.post(
    "/orders/{order_id}/feedback/form",
    response_class=HTMLResponse,
    status_code=201,
    openapi_extra=FORM,
    responses={
        201: {"description": "Thanked", "content": HTML},
        **LINK_REFUSED,
        404: {"description": "No such order", "content": HTML},
        409: {"description": "Not delivered yet, or rated already", "content": HTML},
        422: {"description": "No rating from 1 to 5, or a comment that is not plain text", "content": HTML},
    },
)
async def feedback_form_sent(
    order_id: OrderId, request: Request, svc: Svc, token: Token = None
) -> HTMLResponse:
    if not valid_feedback_token(svc.settings.link_secret, order_id, token):
        return _link_refused()
    try:
        # A browser sends the form in the page's charset, UTF-8; anything else is not ours.
        form = (await request.body()).decode("utf-8")
        fields = {k: v[0] for k, v in parse_qs(form, errors="strict").items()}
        rating = fields.get("rating", "")
        body = FeedbackRequest(
            rating=int(rating) if rating.isdecimal() else 0, comment=fields.get("comment") or None
        )
    except (UnicodeDecodeError, ValidationError):
        return _page("<p>Please choose a rating from 1 to 5, and write the comment as plain text.</p>", 422)
    try:
        await _record(svc, order_id, body)
    except OrdinoError as err:
        return _page(f"<p>{escape(err.message)}.</p>", HTTP_STATUS[err.code])
    return _page("<h1>Thank you!</h1><p>Your rating helps us do better.</p>", 201)
