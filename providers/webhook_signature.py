"""Signed webhooks: the sender signs the timestamp and the raw body with a secret it shares
with Ordino (HMAC-SHA256); the receiver refuses a missing, wrong or stale signature. The
timestamp bounds how long a captured request could be replayed. A receiver accepts any of
the sender's current secrets, so a secret is rotated without a moment of refusals."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

HEADER = "X-Ordino-Signature"
TOLERANCE_SECONDS = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for body: `t=<unix seconds>,v1=<hex HMAC>`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return f"t={ts},v1={_mac(secret, ts, body)}"


def verify(secrets: Sequence[str], body: bytes, header: str | None, now: float | None = None) -> bool:
    """Whether one of the secrets signed body, recently."""
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
    # Every secret is tried, so the time taken says nothing about which one matched.
    matches = [hmac.compare_digest(given, _mac(secret, ts, body)) for secret in secrets]
    return any(matches)
