"""Around every HTTP request: an id (the caller's X-Request-ID if it is plain, else a new
one) on the answer and on every log line written meanwhile; a body read whole up to a
bound (413 beyond it); a deadline (503 timed_out past it: requests are idempotent, so a
retry answers the same); and for anything unexpected a coded 500 with the id, the trace
logged under it, never a bare trace to the caller."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import ErrorCode
from starter.http.errors import REQUEST_ID_HEADER, error_response

log = structlog.get_logger()
PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, deadline: timedelta) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get(REQUEST_ID_HEADER, "")
        rid = given if PLAIN_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=rid):
            body = await self._body(headers, receive)
            if body is None:
                too_large = error_response(
                    ErrorCode.BODY_TOO_LARGE, f"The body is larger than {self.max_body_bytes} bytes", rid
                )
                await too_large(scope, receive, send_with_id)
                return
            deadline = asyncio.timeout(self.deadline.total_seconds())
            try:
                async with deadline:
                    await self.app(scope, _replay(body, receive), send_with_id)
            except Exception:
                # Past the deadline the route was cancelled; an SDK may answer the
                # cancellation with an error of its own (Temporal's update does).
                late = deadline.expired()
                if late:
                    log.warning("request timed out", method=scope["method"], path=scope["path"])
                else:
                    log.exception("unexpected error", method=scope["method"], path=scope["path"])
                if started:
                    raise
                await self._failure(late, rid)(scope, receive, send_with_id)

    def _failure(self, late: bool, rid: str) -> JSONResponse:
        if late:
            seconds = self.deadline.total_seconds()
            return error_response(
                ErrorCode.TIMED_OUT, f"Not answered within {seconds:g} seconds; retrying is safe", rid
            )
        return error_response(
            ErrorCode.INTERNAL_ERROR,
            "Something went wrong on our side; quote the request id when reporting it",
            rid,
        )

    async def _body(self, headers: Headers, receive: Receive) -> bytes | None:
        """The whole body, or None when it is larger than allowed (declared or sent)."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then whatever the server says next (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
