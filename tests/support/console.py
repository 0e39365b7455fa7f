"""The console as a browser without JavaScript uses it: an httpx client that signs in with
a key of a role, keeps the session cookie, and sends each form with the page's CSRF token.
Browser tests (tests/browser/) drive Chromium instead; these are for pages and refusals."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from domain.access import Role
from tests.support.keys import KeyRing

BASE = "http://ordino"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Console:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, path: str, **params: Any) -> httpx.Response:
        page = await self.client.get(path, params=params or None)
        if found := CSRF.search(page.text):
            self.csrf = found.group(1)
        return page

    async def post(self, path: str, form: dict[str, Any] | None = None) -> httpx.Response:
        """A form sent from the last page read, with its CSRF token (unless the form names one)."""
        data = {"csrf_token": self.csrf, **(form or {})}
        return await self.client.post(path, data=data, headers={"origin": BASE})

    async def sign_in(self, key: str) -> httpx.Response:
        return await self.client.post(
            "/console/sign-in", data={"api_key": key, "then": "/console/orders"}, headers={"origin": BASE}
        )


@asynccontextmanager
async def console(app: Any, keys: KeyRing, role: Role | None = Role.SUPPORT) -> AsyncIterator[Console]:
    """A console client of the app in this process, signed in as `role` (None: not signed in)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        page = Console(client)
        if role is not None:
            signed = await page.sign_in(keys.key(role))
            assert signed.status_code == 303, signed.text
            await page.get("/console/orders")
        yield page
