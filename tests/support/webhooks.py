"""Posting webhooks the way a carrier or a payment provider does: signed with its secret."""

from __future__ import annotations

import json
from typing import Any

import httpx

from providers import webhook_signature
from settings import Settings


def secret_for(settings: Settings, path: str) -> str:
    """The secret the sender of this webhook signs with: the first of its list."""
    if path.endswith("/carrier"):
        return settings.carrier_webhook_secrets[0]
    return settings.payment_webhook_secrets[0]


async def post_signed(
    api: httpx.AsyncClient, settings: Settings, path: str, payload: dict[str, Any]
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        webhook_signature.HEADER: webhook_signature.sign(secret_for(settings, path), body),
    }
    return await api.post(path, content=body, headers=headers)
