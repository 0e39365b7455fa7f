"""Signed webhooks: the sender signs the timestamp and the raw body with a shared secret
(HMAC-SHA256); the receiver refuses a missing, wrong or stale signature. The timestamp
bounds how long a captured request could be replayed."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Ordino-Signature"
TOLERANCE_SECONDS = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for body: `t=<unix seconds>,v1=<hex HMAC>`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={_mac(secret, ts, body)}"


def verify(secret: str, body: bytes, header: str | None, now: float | None = None) -> bool:
    if not header or not header.isascii():  # compare_digest refuses non-ASCII text
        return False
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        ts = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(given, _mac(secret, ts, body))
