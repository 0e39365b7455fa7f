"""Around every HTTP request: an id (the caller's X-Request-ID if it is plain, else a new
one) on the answer and on every log line written meanwhile; a body read whole up to a
bound (413 beyond it); and for anything unexpected a coded 500 with the id, the trace
logged under it, never a bare trace to the caller."""

from __future__ import annotations

import re
import uuid

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import ErrorCode
from starter.http_errors import REQUEST_ID_HEADER, error_response

log = structlog.get_logger()
PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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
            try:
                await self.app(scope, _replay(body, receive), send_with_id)
            except Exception:
                log.exception("unexpected error", method=scope["method"], path=scope["path"])
                if started:
                    raise
                failed = error_response(
                    ErrorCode.INTERNAL_ERROR,
                    "Something went wrong on our side; quote the request id when reporting it",
                    rid,
                )
                await failed(scope, receive, send_with_id)

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
