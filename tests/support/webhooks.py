"""Posting webhooks the way a carrier does: signed with the shared secret."""

from __future__ import annotations

import json
from typing import Any

import httpx

from providers import webhook_signature
from settings import Settings


async def post_signed(
    api: httpx.AsyncClient, settings: Settings, path: str, payload: dict[str, Any]
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        webhook_signature.HEADER: webhook_signature.sign(settings.webhook_secret, body),
    }
    return await api.post(path, content=body, headers=headers)
