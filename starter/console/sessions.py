"""Who is signed in to the console. The session lives in PostgreSQL (db/console_sessions.py);
the browser keeps its token in an HttpOnly, SameSite cookie for the console's paths only.
Every form carries the session's CSRF token, and every POST is checked against it."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from db import console_sessions
from domain.access import Principal
from starter.console.permissions import CONSOLE_ROLES

COOKIE = "ordino_console"
PREFIX = "/console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"  # what htmx sends (base.html sets it on every request)


@dataclass(frozen=True)
class StaffSession:
    principal: Principal
    csrf_token: str
    token: str


class SignInRequired(Exception):
    """No session (or an ended one): the console answers with its sign-in page."""

    def __init__(self, then: str) -> None:
        super().__init__(then)
        self.then = then


class ConsoleRefusal(Exception):
    """A request the console refuses outright (a forged form, an action the role may not
    take): answered with a page saying so, never carried out."""

    def __init__(self, message: str, status_code: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def _here(request: Request) -> str:
    """Where to come back to after signing in: this page, if it is a console page read."""
    if request.method != "GET":
        return f"{PREFIX}/orders"
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{request.url.path}{query}"


async def staff(request: Request) -> StaffSession:
    token = request.cookies.get(COOKIE)
    db = request.app.state.services.db
    found = await run_in_threadpool(console_sessions.signed_in, db, token) if token else None
    if token is None or found is None or found.principal.role not in CONSOLE_ROLES:
        raise SignInRequired(_here(request))
    return StaffSession(found.principal, found.csrf_token, token)


Staff = Annotated[StaffSession, Depends(staff)]


async def staff_post(request: Request, signed_in: Staff) -> StaffSession:
    """The session of a POST whose form (or htmx header) carries the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent.encode(), signed_in.csrf_token.encode()):
        raise ConsoleRefusal(
            "This form has expired or did not come from the console. Reload the page and try again."
        )
    return signed_in


StaffPost = Annotated[StaffSession, Depends(staff_post)]
