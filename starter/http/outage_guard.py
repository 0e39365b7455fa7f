"""The API through outages: while the database or Temporal is down every call that needs it
answers a coded 503 (the same error body as any other), the log says so once per outage and
once when the service is back (`/ready`, in routes/health.py, says which is missing)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import ErrorCode, OrdinoError
from providers.backoff import DATABASE, TEMPORAL, OutageLog, outage_of
from starter.http.errors import error_response

ANSWERS = {
    DATABASE: OrdinoError(ErrorCode.DATABASE_UNAVAILABLE, "The database is unavailable; try again shortly"),
    TEMPORAL: OrdinoError(ErrorCode.TEMPORAL_UNAVAILABLE, "Temporal is unavailable; try again shortly"),
}
RETRY_AFTER_SECONDS = "5"


class OutageGuard:
    """ASGI middleware: an outage of the database or Temporal becomes its 503 instead of a
    500 with a traceback. A route that answers again after failing on one ends the outage."""

    def __init__(self, app: ASGIApp, outages: OutageLog) -> None:
        self.app = app
        self.outages = outages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        except Exception as err:
            dependency = outage_of(err)
            if dependency is None or dependency not in ANSWERS or status:  # too late once answering
                raise
            self.outages.failed(dependency, err, _route(scope))
            answer = ANSWERS[dependency]
            rid = scope.get("state", {}).get("request_id")
            response = error_response(answer.code, answer.message, rid)
            response.headers["Retry-After"] = RETRY_AFTER_SECONDS
            await response(scope, receive, send)
            return
        if status < 500:
            self.outages.succeeded(_route(scope))


def _route(scope: Scope) -> str:
    """The route's path template: every order's page is one source of failures."""
    route = scope.get("route")
    return f"{scope['method']} {getattr(route, 'path', scope['path'])}"
