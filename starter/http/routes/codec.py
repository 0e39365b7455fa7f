"""The codec server: what Ordino writes to Temporal is encrypted (runtime/payload_codec.py),
and the Temporal Web UI, or `temporal workflow show --codec-endpoint`, sends the payloads it
shows here to read them. Temporal's codec-server protocol: POST `<endpoint>/decode` (and
`/encode`) with `{"payloads": [...]}`, each payload in protobuf JSON (metadata values and
data in base64), the namespace in `X-Namespace`; the answer is the same shape. The Web UI
calls from the browser, so these routes answer its origin (starter/http/cors.py)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from google.protobuf import json_format
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from db import api_keys
from domain.errors import ErrorCode, OrdinoError
from domain.sign_ins import sign_in_token
from runtime.payload_codec import UndecodablePayload
from starter.http.access import SIGN_IN_COOKIE, GuardedRoute, rule_of, same_origin
from starter.http.dependencies import Svc
from starter.http.openapi import json_body, refusals

PREFIX = "/codec"
# Who may read decoded payloads: support, finance and admin keys (starter/http/policy.py),
# sent as a bearer key or, from the Web UI, as the cookie /codec/sign-in sets. A CORS
# preflight is answered before that (starter/http/cors.py): a browser sends it bare.
router = APIRouter(prefix=PREFIX, tags=["codec"], route_class=GuardedRoute)


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


# How long a Web UI sign-in lasts.
SIGN_IN_SECONDS = 8 * 3600
SIGN_IN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}
            }
        },
    }
}
PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}


def _page(text: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>Ordino codec sign-in</title>"
        f"<body style='font-family:sans-serif;max-width:36em;margin:3em auto'>{text}</body>",
        status_code=status_code,
    )


@router.get("/sign-in", response_class=HTMLResponse, responses={200: PAGE})
async def sign_in_form() -> HTMLResponse:
    """A form for a support, finance or admin key; the Web UI then reads decoded payloads."""
    return _page(
        "<h1>See customer data in the Temporal Web UI</h1>"
        "<form method=post><p><label for=key>Your API key (support, finance or admin)</label><br>"
        "<input id=key name=key type=password size=60 autocomplete=off required></p>"
        "<button>Sign in</button></form>"
    )


@router.post(
    "/sign-in",
    response_class=HTMLResponse,
    openapi_extra=SIGN_IN_FORM,
    responses={
        200: PAGE,
        401: {"description": "Not a key, or a revoked one", **PAGE},
        403: {"description": "A key that may not read customer data, or another site's form", **PAGE},
    },
)
async def sign_in(request: Request, svc: Svc) -> HTMLResponse:
    """A sign-in for this server's /codec routes only, in an HttpOnly cookie: a signed token
    that stands for the key (not the key itself), for a few hours or until it is revoked."""
    if not same_origin(request):
        return _page("<p>Sign in from this server's own page.</p>", 403)
    fields = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    key = (fields.get("key") or [""])[0].strip()
    principal = await run_in_threadpool(api_keys.principal, svc.db, key)
    if principal is None or principal.key_id is None:
        return _page("<p>That key is unknown or revoked. <a href=sign-in>Try again</a>.</p>", 401)
    if principal.role not in rule_of("POST", f"{PREFIX}/decode").roles:
        refused = "<p>That key may not read customer data. <a href=sign-in>Try again</a>.</p>"
        return _page(refused, 403)
    page = _page(
        f"<h1>Signed in as {escape(principal.actor)}</h1><p>For the next {SIGN_IN_SECONDS // 3600} hours "
        "the Temporal Web UI shows workflow data decoded, if its Codec Server settings point at "
        f"<code>{escape(str(request.base_url).rstrip('/'))}{PREFIX}</code> with "
        "<em>Include cross-origin credentials</em> on.</p>"
        "<form method=post action=sign-out><button>Sign out</button></form>"
    )
    token = sign_in_token(svc.settings.link_secret, principal.key_id, int(time.time()) + SIGN_IN_SECONDS)
    page.set_cookie(SIGN_IN_COOKIE, token, max_age=SIGN_IN_SECONDS, path=PREFIX, httponly=True,
                    samesite="lax", secure=request.url.scheme == "https")  # fmt: skip
    return page


@router.post("/sign-out", response_class=HTMLResponse, responses={200: PAGE})
async def sign_out() -> HTMLResponse:
    page = _page("<p>Signed out: the Web UI shows workflow data encrypted again.</p>")
    page.delete_cookie(SIGN_IN_COOKIE, path=PREFIX)
    return page
