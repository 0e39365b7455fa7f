"""One line per HTTP request, and its count and latency in the API's metrics.

The line says the method, the route template (never the path: ids and tokens stay out,
and so do query strings and bodies), the status, the refusal's code when there is one,
the time taken and the request id; and the order id, when the route names one or the
route says which order it was about (request.state.order_id)."""

from __future__ import annotations

import json
import re
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from starter.http.metrics import UNMATCHED, ApiMetrics

log = structlog.get_logger()
# An order id worth a log line: what the API takes as one; anything else is left out,
# since a refused path parameter may hold any text.
PLAIN_ORDER_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
MAX_ERROR_BODY = 4096  # refusals are small JSON; a larger body is not read for its code


class AccessLog:
    """ASGI middleware, outermost, so it sees every answer as the caller gets it."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before it did
        error_body = bytearray()

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif (
                message["type"] == "http.response.body" and status >= 400 and len(error_body) < MAX_ERROR_BODY
            ):
                error_body.extend(message.get("body", b"")[:MAX_ERROR_BODY])
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            self.metrics.request(scope["method"], route, status, seconds)
            log.info(
                "request",
                method=scope["method"],
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 1),
                request_id=scope.get("state", {}).get("request_id"),
                **_order(scope),
                **_caller(scope),
                **_code(error_body),
            )


def _caller(scope: Scope) -> dict[str, str]:
    """Which API key made the call (its id: the name is on the key's own record)."""
    principal = scope.get("state", {}).get("principal")
    key_id = getattr(principal, "key_id", None)
    return {"key": key_id} if key_id else {}


def _order(scope: Scope) -> dict[str, str]:
    order_id = scope.get("state", {}).get("order_id") or scope.get("path_params", {}).get("order_id")
    return {"order_id": order_id} if isinstance(order_id, str) and PLAIN_ORDER_ID.match(order_id) else {}


def _code(body: bytearray) -> dict[str, str]:
    """The refusal's code, from the error body every refusal has (starter/http/errors.py)."""
    if not body:
        return {}
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return {}  # HTML (the feedback form) or a cut-off body
    return {"code": code} if isinstance(code, str) and code.isidentifier() else {}
