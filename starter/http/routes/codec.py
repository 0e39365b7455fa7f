"""The codec server: what Ordino writes to Temporal is encrypted (runtime/payload_codec.py),
and the Temporal Web UI, or `temporal workflow show --codec-endpoint`, sends the payloads it
shows here to read them. Temporal's codec-server protocol: POST `<endpoint>/decode` (and
`/encode`) with `{"payloads": [...]}`, each payload in protobuf JSON (metadata values and
data in base64), the namespace in `X-Namespace`; the answer is the same shape. The Web UI
calls from the browser, so these routes answer its origin (starter/http/cors.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, params
from fastapi.exceptions import RequestValidationError
from google.protobuf import json_format
from pydantic import BaseModel, Field, ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from domain.errors import ErrorCode, OrdinoError
from runtime.payload_codec import UndecodablePayload
from starter.http.dependencies import Svc
from starter.http.json_bodies import JsonBodyRoute
from starter.http.openapi import json_body, refusals

PREFIX = "/codec"
# Who may use the codec server: the dependencies each of its routes runs first. Access
# control (issue 14) attaches its check here, and only here. A CORS preflight is answered
# before any of them (starter/http/cors.py), as a browser sends it without credentials.
ACCESS: Sequence[params.Depends] = ()

router = APIRouter(prefix=PREFIX, tags=["codec"], route_class=JsonBodyRoute, dependencies=list(ACCESS))


class CodecPayload(BaseModel):
    """A Temporal payload in protobuf JSON."""

    metadata: dict[str, Annotated[str, Field(description="base64")]] = {}
    data: Annotated[str, Field(description="base64")] = ""


class CodecPayloads(BaseModel):
    payloads: list[CodecPayload]


Namespace = Annotated[str | None, Header(alias="X-Namespace", max_length=255)]
DOCUMENTED = json_body(CodecPayloads) | refusals(ErrorCode.PAYLOAD_UNDECODABLE, ErrorCode.UNKNOWN_NAMESPACE)


def _payloads(body: bytes) -> list[Payload]:
    try:
        items = CodecPayloads.model_validate_json(body).payloads
    except ValidationError as err:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in err.errors()]) from err
    try:
        return [json_format.ParseDict(item.model_dump(), Payload()) for item in items]
    except json_format.ParseError as err:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("body", "payloads"), "msg": f"Not a payload: {err}"}]
        ) from err


async def _convert(
    request: Request,
    svc: Svc,
    namespace: str | None,
    convert: Callable[[Sequence[Payload]], Awaitable[list[Payload]]],
) -> dict[str, Any]:
    if namespace is not None and namespace != svc.settings.temporal_namespace:
        raise OrdinoError(
            ErrorCode.UNKNOWN_NAMESPACE,
            f"This codec server serves namespace {svc.settings.temporal_namespace!r}, not {namespace!r}",
        )
    payloads = _payloads(await request.body())
    try:
        converted = await convert(payloads)
    except UndecodablePayload as err:
        raise OrdinoError(ErrorCode.PAYLOAD_UNDECODABLE, str(err)) from None
    return {"payloads": [json_format.MessageToDict(p) for p in converted]}


def _codec(svc: Svc) -> PayloadCodec:
    """The API's own client's codec: this server reads exactly what the API writes."""
    codec = svc.client.data_converter.payload_codec
    assert codec is not None, "the API's Temporal client has no payload codec"
    return codec


@router.post("/decode", response_model=CodecPayloads, openapi_extra=DOCUMENTED)
async def decode(request: Request, svc: Svc, namespace: Namespace = None) -> dict[str, Any]:
    """Decrypt payloads (those not encrypted come back as they are)."""
    return await _convert(request, svc, namespace, _codec(svc).decode)


@router.post("/encode", response_model=CodecPayloads, openapi_extra=DOCUMENTED)
async def encode(request: Request, svc: Svc, namespace: Namespace = None) -> dict[str, Any]:
    """Encrypt payloads with the current key (what the Web UI sends a workflow)."""
    return await _convert(request, svc, namespace, _codec(svc).encode)
