"""The OpenAPI document says what the API does: each operation lists the codes it may
refuse with (`refusals(...)` on the route), and this module adds the refusals every
operation shares (invalid parameters or body, too large, wrong content type, internal
error) and answers each status with the real error schema and its codes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from domain.errors import HTTP_STATUS, ErrorCode
from starter.http.errors import Error, FieldError
from starter.http.limits import MAX_BODY_BYTES

CODES = "x-error-codes"
SECURITY = "apiKey"  # the security scheme of every route but the public ones
REF = "#/components/schemas/{model}"
# Models of bodies that routes read themselves (signed webhooks), for the components.
_raw_bodies: list[type[BaseModel]] = []


def refusals(*codes: ErrorCode) -> dict[str, Any]:
    """openapi_extra of a route: the business codes it may answer with."""
    return {CODES: [c.value for c in codes]}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """openapi_extra of a route that reads and validates its JSON body itself."""
    _raw_bodies.append(model)
    schema = {"$ref": REF.format(model=model.__name__)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# What an update of a workflow may answer besides its own refusals: lost with a workflow
# task the server threw away, or not answered in time (send it again as it was).
UPDATE_CODES = frozenset({ErrorCode.UPDATE_LOST, ErrorCode.UPDATE_TIMEOUT})


def _shared_codes(operation: dict[str, Any], codes: set[ErrorCode]) -> set[ErrorCode]:
    """Codes any route may answer: the unexpected, the deadline, an outage (the outage guard),
    what a parameter or body may be refused for; and, for a route that updates an order's
    workflow (it can find it closed), what an update may answer."""
    codes = codes | {
        ErrorCode.INTERNAL_ERROR,
        ErrorCode.TIMED_OUT,
        ErrorCode.DATABASE_UNAVAILABLE,
        ErrorCode.TEMPORAL_UNAVAILABLE,
    }
    if ErrorCode.ORDER_CLOSED in codes or ErrorCode.ORDER_BUSY in codes:
        codes |= UPDATE_CODES
    if operation.get("parameters"):
        codes.add(ErrorCode.INVALID_PARAMETER)
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        codes.add(ErrorCode.BODY_TOO_LARGE)
    if "application/json" in body:
        codes |= {ErrorCode.INVALID_BODY, ErrorCode.UNSUPPORTED_MEDIA_TYPE}
    return codes


def _error_response(codes: list[str]) -> dict[str, Any]:
    schema = {
        "allOf": [
            {"$ref": REF.format(model="Error")},
            {"type": "object", "properties": {"code": {"type": "string", "enum": codes}}},
        ]
    }
    return {
        "description": "Refused: " + ", ".join(f"`{c}`" for c in codes),
        "content": {"application/json": {"schema": schema}},
    }


def _document_errors(operation: dict[str, Any]) -> None:
    codes = _shared_codes(operation, {ErrorCode(c) for c in operation.pop(CODES, [])})
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in sorted(codes):
        by_status[HTTP_STATUS[code]].append(code.value)
    responses = operation["responses"]
    if "HTTPValidationError" in str(responses.get("422")):
        del responses["422"]  # FastAPI's {"detail": [...]}, which this API never answers
    for status, status_codes in sorted(by_status.items()):
        error = _error_response(status_codes)
        if str(status) in responses:  # a page the route documents (HTML): the JSON error beside it
            documented = responses[str(status)]
            documented["description"] += "; " + error["description"]
            documented.setdefault("content", {}).update(error["content"])
        else:
            responses[str(status)] = error


def build_contract(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description
        + f"\n\nEvery refusal is an `Error`; request bodies are JSON of at most {MAX_BODY_BYTES} bytes.",
        routes=app.routes,
        tags=app.openapi_tags,
    )
    spec.setdefault("components", {})["securitySchemes"] = {
        SECURITY: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`ordino keys create`): `Authorization: Bearer ordino_...`",
        }
    }
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    models: list[type[BaseModel]] = [Error, FieldError, *_raw_bodies]
    _, extra = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    schemas.update(extra.get("$defs", {}))
    for path in spec["paths"].values():
        for operation in path.values():
            _document_errors(operation)
    return spec


def install_contract(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_contract(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
