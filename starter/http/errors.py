"""Every refusal the API gives has one shape: a machine-readable `code` (domain/errors.py
maps it to the status), a human `message`, the request id, and the `details` of a business
refusal or the field `errors` of an invalid request."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError

REQUEST_ID_HEADER = "X-Request-ID"


class FieldError(BaseModel):
    field: str  # where, dotted: body.shipping_address.name, query.offset
    message: str
    type: str


class Error(BaseModel):
    """The body of every answer that is not a success."""

    code: str
    message: str
    request_id: str | None = None
    details: dict[str, Any] = {}
    errors: list[FieldError] | None = None


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(
    code: ErrorCode,
    message: str,
    rid: str | None,
    details: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
) -> JSONResponse:
    body = Error(code=code.value, message=message, request_id=rid, details=details or {}, errors=errors)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=HTTP_STATUS[code])


async def _business(request: Request, err: OrdinoError) -> JSONResponse:
    return error_response(err.code, err.message, request_id(request), err.details)


async def _invalid(request: Request, err: RequestValidationError) -> JSONResponse:
    errors = [
        FieldError(field=".".join(str(p) for p in e["loc"]), message=e["msg"], type=e["type"])
        for e in err.errors()
    ]
    in_body = any(e["loc"][:1] == ("body",) for e in err.errors())
    code = ErrorCode.INVALID_BODY if in_body else ErrorCode.INVALID_PARAMETER
    return error_response(code, "The request is not valid", request_id(request), errors=errors)


# What Starlette and FastAPI refuse before a route runs.
_HTTP_CODES = {
    404: (ErrorCode.ROUTE_NOT_FOUND, "No such path"),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "This path does not take that method"),
    # FastAPI's answer to a body it could not read at all (such as a number of 5000 digits).
    400: (ErrorCode.INVALID_BODY, "The body could not be read as JSON"),
}


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """The app's routes, those of the routers it includes among them. Routers are included
    without a prefix of their own, so their routes' paths are the paths served."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(included.routes)


def _allowed_methods(request: Request) -> str:
    """Every method of the path's resource; Starlette's Allow names only the first route that
    matched it. The resource is the template the path resolves to, as routing takes the first
    that matches: /inventory/receipts is itself, not the SKU `receipts` of /inventory/{sku}."""
    matched = [r for r in _api_routes(request.app.routes) if r.matches(request.scope)[0] is not Match.NONE]
    if not matched:
        return ""
    methods = {method for route in matched if route.path == matched[0].path for method in route.methods or ()}
    return ", ".join(sorted(methods))


async def _http(request: Request, err: HTTPException) -> JSONResponse:
    code, message = _HTTP_CODES.get(err.status_code, (ErrorCode.INTERNAL_ERROR, "Unexpected error"))
    response = error_response(code, message, request_id(request))
    if code is ErrorCode.METHOD_NOT_ALLOWED:
        response.headers["Allow"] = _allowed_methods(request)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OrdinoError, _business)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
