"""Routes that take a JSON body refuse any other content type (415) and bytes that are not
UTF-8 (422, like malformed JSON), with the error shape of every other refusal, before
FastAPI reads the body its own way."""

from __future__ import annotations

import email.message
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from domain.errors import ErrorCode, OrdinoError


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def takes_json(route: APIRoute) -> bool:
    """A body model, or a JSON body the route reads itself (signed webhooks)."""
    documented = (route.openapi_extra or {}).get("requestBody", {}).get("content", {})
    return route.body_field is not None or "application/json" in documented


class JsonBodyRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not takes_json(self):
            return handler

        async def checked(request: Request) -> Response:
            body = await request.body()  # read once: the handler gets it from the request's cache
            if body:
                if not is_json(request.headers.get("content-type")):
                    raise OrdinoError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The body must be application/json")
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise RequestValidationError(
                        [
                            {
                                "type": "json_invalid",
                                "loc": ("body",),
                                "msg": f"The body is not UTF-8: {err.reason}",
                            }
                        ]
                    ) from err
            return await handler(request)

        return checked
