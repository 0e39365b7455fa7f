"""The support console: server-rendered pages for support, finance and admin, at /console.
Each page reads the same views and sends the same workflow updates as the API (through
starter/operations/), and offers only what the signed-in key may do over the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from starter.console import documents, notes, order_actions, orders, queues, reports, return_actions, sign_in
from starter.console.pages import render
from starter.console.sessions import PREFIX, ConsoleRefusal, SignInRequired

ROUTERS = (
    sign_in.router,
    orders.router,
    order_actions.router,
    return_actions.router,
    documents.router,
    reports.router,
    notes.router,
    queues.router,
)


async def _sign_in_first(request: Request, err: SignInRequired) -> Response:
    target = sign_in.sign_in_url(err.then)
    if request.headers.get("HX-Request"):  # htmx follows this header, not a 303
        return HTMLResponse("", headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _refused(request: Request, err: ConsoleRefusal) -> HTMLResponse:
    return render(request, None, "refused.html", status_code=err.status_code, message=err.message)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)  # each router has the prefix
    static = StaticFiles(directory=Path(__file__).parent / "static")
    app.mount(f"{PREFIX}/static", static, name="console-static")
    app.add_exception_handler(SignInRequired, _sign_in_first)  # type: ignore[arg-type]
    app.add_exception_handler(ConsoleRefusal, _refused)  # type: ignore[arg-type]
