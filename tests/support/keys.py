"""API keys in tests: a key ring that makes one key per role and scope in the test database,
and an httpx auth that signs each request with the key of someone allowed to make it (its
channel's for a channel's order, its warehouse's for a warehouse's parcel), as the real
callers would. A request that carries its own Authorization header keeps it."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable
from typing import Any

import httpx
from starlette.routing import BaseRoute

from db import api_keys, owners
from db.engine import Database
from domain.access import SCOPED, Role
from starter.http.access import RESOURCES, GuardedRoute, Rule
from starter.http.errors import _api_routes

# Whom a test acts as when a route allows several: finance before support (no refund limit).
PREFERRED = (Role.FINANCE, Role.SUPPORT, Role.ADMIN, Role.CHANNEL, Role.WAREHOUSE)


class KeyRing:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._keys: dict[tuple[Role, str | None], str] = {}

    def key(self, role: Role, scope: str | None = None) -> str:
        if (role, scope) not in self._keys:
            name = f"test-{role.value}" + (f"-{scope}" if scope else "")
            self._keys[(role, scope)] = api_keys.create(self._db, name, role, scope)[1]
        return self._keys[(role, scope)]

    def header(self, role: Role, scope: str | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key(role, scope)}"}


def _route_for(routes: Iterable[BaseRoute], method: str, path: str) -> tuple[GuardedRoute, dict[str, Any]]:
    for route in _api_routes(list(routes)):
        match = route.path_regex.match(path)
        if match and method in route.methods and isinstance(route, GuardedRoute):
            return route, match.groupdict()
    raise LookupError(f"no route for {method} {path}")


class ActingAs(httpx.Auth):
    """Each request with the key of whoever the route's rule lets make it."""

    def __init__(self, routes: Iterable[BaseRoute], keys: KeyRing, db: Database) -> None:
        self._routes = list(routes)
        self._keys = keys
        self._db = db

    def _scope(self, role: Role, rule: Rule, params: dict[str, Any], body: bytes) -> str | None:
        if role is Role.WAREHOUSE and "warehouse" in params:
            return str(params["warehouse"])
        for param, lookup in RESOURCES.items():
            if param in params:
                with self._db.reader() as s:
                    found: owners.Owners | None = lookup(s, params[param])
                if found is not None:
                    return found.channel if role is Role.CHANNEL else found.warehouse
        if rule.body:
            try:
                value = json.loads(body or b"null")
            except ValueError:
                return None
            named = value.get(rule.body) if isinstance(value, dict) else None
            return named if isinstance(named, str) else None
        return "webshop" if role is Role.CHANNEL else None

    def _key_for(self, rule: Rule, params: dict[str, Any], body: bytes) -> str:
        role = next(r for r in PREFERRED if r in rule.roles)
        if role not in SCOPED:
            return self._keys.key(role)
        return self._keys.key(role, self._scope(role, rule, params, body) or "none")

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "authorization" not in request.headers:
            try:
                route, params = _route_for(self._routes, request.method, request.url.path)
            except LookupError:
                route = None  # no such route: the API answers 404 without asking for a key
            if route is not None and not route.rule.public:
                key = self._key_for(route.rule, params, request.content)
                request.headers["authorization"] = f"Bearer {key}"
        yield request


def api_client(app: Any, db: Database, keys: KeyRing | None = None) -> httpx.AsyncClient:
    """A client of the app in this process that acts as whoever may make each request."""
    auth = ActingAs(app.routes, keys or KeyRing(db), db)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ordino", auth=auth)


def remote_client(base_url: str, db: Database, timeout: float = 30) -> httpx.AsyncClient:
    """A client of an API in another process (same database), acting likewise."""
    from settings import Settings
    from starter.http.app import create_app

    auth = ActingAs(create_app(Settings()).routes, KeyRing(db), db)
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, auth=auth)


def sandbox_warehouse_env(db: Database) -> dict[str, str]:
    """What a sandbox warehouse process needs to confirm packing at every warehouse."""
    from sqlalchemy import select

    from db.models import Warehouse

    keys = KeyRing(db)
    with db.reader() as s:
        codes = list(s.scalars(select(Warehouse.code)))
    return {"ORDINO_SANDBOX_WAREHOUSE_KEYS": json.dumps({c: keys.key(Role.WAREHOUSE, c) for c in codes})}


# The key a fuzzer sends everywhere; WithKeys swaps it for a real one.
STAND_IN = b"Bearer stand-in"


class WithKeys:
    """The app behind a fuzzer that sends one Authorization header to every route: the
    stand-in key becomes the key of whoever may make the request, so generated requests reach
    the route's logic, while a missing or made-up key still meets the API's own refusal."""

    def __init__(self, app: Any, db: Database) -> None:
        self._app = app
        self._auth = ActingAs(app.routes, KeyRing(db), db)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or (b"authorization", STAND_IN) not in scope["headers"]:
            return await self._app(scope, receive, send)
        messages, body = [], b""
        while True:  # the whole body, as the rule may name a field of it; replayed below
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        try:
            route, params = _route_for(self._auth._routes, scope["method"], scope["path"])
        except LookupError:
            route = None
        headers = [h for h in scope["headers"] if h != (b"authorization", STAND_IN)]
        if route is not None and not route.rule.public:
            key = self._auth._key_for(route.rule, params, body)
            headers.append((b"authorization", f"Bearer {key}".encode()))
        scope = {**scope, "headers": headers}

        async def replay() -> Any:
            return messages.pop(0) if messages else await receive()

        return await self._app(scope, replay, send)
