"""Signing in to the console with an API key, and out again."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from db import api_keys, console_sessions
from starter.console.pages import render
from starter.console.permissions import CONSOLE_ROLES
from starter.console.sessions import COOKIE, PREFIX, StaffPost
from starter.http.access import same_origin
from starter.http.dependencies import Svc

log = structlog.get_logger()
router = APIRouter(prefix=PREFIX)
HOME = f"{PREFIX}/orders"


def sign_in_url(then: str) -> str:
    return f"{PREFIX}/sign-in?then={quote(then, safe='/')}"


def _safe(then: str | None) -> str:
    """Back to a console page only: never to another site after signing in."""
    if then and then.startswith(f"{PREFIX}/") and not then.startswith("//") and "\\" not in then:
        return then
    return HOME


@router.get("")
async def home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, then: str | None = None, signed_out: bool = False) -> HTMLResponse:
    return render(request, None, "sign_in.html", then=_safe(then), signed_out=signed_out)


@router.post("/sign-in", response_model=None)
async def sign_in(
    request: Request,
    svc: Svc,
    api_key: Annotated[str, Form(max_length=200)] = "",
    then: Annotated[str, Form(max_length=2000)] = HOME,
) -> Response:
    def again(message: str, status_code: int) -> HTMLResponse:
        return render(request, None, "sign_in.html", status_code, then=_safe(then), error=message)

    if not same_origin(request):
        return again("Sign in from the console's own page.", 403)
    principal = await run_in_threadpool(api_keys.principal, svc.db, api_key.strip())
    if principal is None or principal.key_id is None:
        return again("That key is unknown or revoked.", 401)
    if principal.role not in CONSOLE_ROLES:
        return again(
            f"A {principal.role.value} key cannot sign in: the console is for support, finance and admin.",
            403,
        )
    lasts = svc.settings.console_session
    token = await run_in_threadpool(console_sessions.open_session, svc.db, principal.key_id, lasts)
    log.info("console signed in", actor=principal.actor)
    page = RedirectResponse(_safe(then), status_code=303)
    page.set_cookie(COOKIE, token, max_age=int(lasts.total_seconds()), path=PREFIX, httponly=True,
                    samesite="lax", secure=request.url.scheme == "https")  # fmt: skip
    return page


@router.post("/sign-out")
async def sign_out(staff: StaffPost, svc: Svc) -> RedirectResponse:
    await run_in_threadpool(console_sessions.end_session, svc.db, staff.token)
    log.info("console signed out", actor=staff.principal.actor)
    page = RedirectResponse(f"{PREFIX}/sign-in?signed_out=true", status_code=303)
    page.delete_cookie(COOKIE, path=PREFIX)
    return page
