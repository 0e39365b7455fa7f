"""Who is calling, and may they: every route has a rule in starter/http/policy.py, checked
before the route reads its body. No key or a bad one is 401 `unauthenticated`; a role the
rule does not name, or a channel or warehouse key reaching past its own, is 403 `forbidden`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from db import api_keys, owners
from db.engine import Database
from domain.access import Principal, Role
from domain.errors import ErrorCode, OrdinoError
from domain.sign_ins import signed_in_key
from starter.http.json_bodies import JsonBodyRoute
from starter.http.openapi import CODES, SECURITY


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    public: bool = False
    # The body field that names the channel or warehouse the call is for.
    body: str | None = None
    # The route answers a list holding only what the key's scope reaches.
    listed: bool = False
    # A sign-in in the SIGN_IN_COOKIE cookie stands for a key too (the codec server, which
    # the Web UI calls from the browser with its cookies but cannot give a header).
    cookie: bool = False


SIGN_IN_COOKIE = "ordino_sign_in"


# The path parameters that name a resource, and how its owners are found.
RESOURCES: dict[str, Callable[[Session, str], owners.Owners | None]] = {
    "order_id": owners.of_order,
    "return_id": owners.of_return,
    "number": owners.of_document,
    "tracking_number": owners.of_parcel,
}


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise OrdinoError(ErrorCode.UNAUTHENTICATED, "Send an API key: Authorization: Bearer <key>")
    return key.strip()


async def _authenticate(request: Request, db: Database, rule: Rule) -> Principal:
    token = request.cookies.get(SIGN_IN_COOKIE)
    if rule.cookie and token and "authorization" not in request.headers:
        secret = request.app.state.services.settings.link_secret
        key_id = signed_in_key(secret, token, time.time())
        found = await run_in_threadpool(api_keys.principal_of, db, key_id) if key_id else None
    else:
        found = await run_in_threadpool(api_keys.principal, db, _bearer(request))
    if found is None:
        raise OrdinoError(ErrorCode.UNAUTHENTICATED, "The API key is unknown or revoked")
    return found


async def _body_field(request: Request, field: str) -> str | None:
    """The field of a JSON body, if there is one to read (validation answers the rest)."""
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return None
    value = body.get(field) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def _forbid(principal: Principal, what: str) -> OrdinoError:
    return OrdinoError(
        ErrorCode.FORBIDDEN,
        f"This {principal.role.value} key is for {principal.scope}, not {what}",
        {"scope": principal.scope},
    )


def _find(
    db: Database, lookup: Callable[[Session, str], owners.Owners | None], value: str
) -> owners.Owners | None:
    if not value.isprintable():  # PostgreSQL refuses a NUL: such a path is the route's 422
        return None
    with db.reader() as s:
        return lookup(s, value)


async def _owner_in_path(request: Request, db: Database, principal: Principal) -> tuple[bool, str | None]:
    """Whether the path names a resource, and its channel or warehouse (as the key's role goes)."""
    params = request.path_params
    if principal.role is Role.WAREHOUSE and "warehouse" in params:
        return True, params["warehouse"]
    for param, lookup in RESOURCES.items():
        if param in params:
            found = await run_in_threadpool(_find, db, lookup, params[param])
            if found is None:
                return True, None  # no such resource: the route answers that it is not found
            owner = found.channel if principal.role is Role.CHANNEL else found.warehouse
            return owner is not None, owner
    return False, None


async def _check_reach(request: Request, db: Database, principal: Principal, rule: Rule) -> None:
    """A channel or warehouse key reaches only its own: the resource the path names, the
    channel or warehouse the body names, or a list the route filters."""
    named, owner = await _owner_in_path(request, db, principal)
    if named and owner is not None and owner != principal.scope:
        raise _forbid(principal, "this resource")
    checked = named
    if rule.body is not None:
        value = await _body_field(request, rule.body)
        if value is not None and value != principal.scope:
            raise _forbid(principal, f"{rule.body} {value}")
        checked = True
    if not checked and not rule.listed:
        raise _forbid(principal, "this route")


async def authorize(request: Request, rule: Rule) -> Principal | None:
    if rule.public:
        return None
    db: Database = request.app.state.services.db
    principal = await _authenticate(request, db, rule)
    if principal.role not in rule.roles:
        raise OrdinoError(
            ErrorCode.FORBIDDEN,
            f"A {principal.role.value} key may not {request.method} {request.url.path}",
            {"role": principal.role.value},
        )
    if principal.scope is not None:
        await _check_reach(request, db, principal, rule)
    return principal


def rule_of(method: str, path: str) -> Rule:
    from starter.http.policy import POLICY  # the table names this module's Rule

    try:
        return POLICY[(method, path)]
    except KeyError:
        raise LookupError(f"{method} {path} has no rule in starter/http/policy.py") from None


class GuardedRoute(JsonBodyRoute):
    """A route whose rule is checked first, and documented in the OpenAPI document."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        (method,) = kwargs.get("methods") or ["GET"]
        self.rule = rule_of(method.upper(), path)  # before the handler is built, which reads it
        if not self.rule.public:
            extra = dict(kwargs.get("openapi_extra") or {})
            extra["security"] = [{SECURITY: []}]
            extra[CODES] = [*extra.get(CODES, []), ErrorCode.UNAUTHENTICATED.value, ErrorCode.FORBIDDEN.value]
            kwargs["openapi_extra"] = extra
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        rule = self.rule

        async def guarded(request: Request) -> Response:
            request.state.principal = await authorize(request, rule)
            return await handler(request)

        return guarded


def same_origin(request: Request) -> bool:
    """A form posted from this server's own page, not from another site's (a sign-in
    another site posts would sign the browser in as someone else)."""
    origin = request.headers.get("origin")
    return origin is None or origin == str(request.base_url).rstrip("/")


def caller(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    assert principal is not None, "only routes with a key ask who calls"
    return principal


Caller = Annotated[Principal, Depends(caller)]


def acting(body: Any, principal: Principal) -> Any:
    """The body with the caller as its actor: the audit trail names the key, whatever the
    body said."""
    return body.model_copy(update={"actor": principal.actor})
