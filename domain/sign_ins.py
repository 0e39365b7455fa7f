"""A sign-in the browser keeps for the codec server: the key's id and an expiry, signed. It
stands for the key without being it, so a stolen cookie opens the codec routes alone, for
hours at most, and no longer once the key is revoked."""

from __future__ import annotations

import hashlib
import hmac


def _mac(secret: str, key_id: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"sign-in:{key_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def sign_in_token(secret: str, key_id: str, expires: int) -> str:
    return f"{key_id}.{expires}.{_mac(secret, key_id, expires)}"


def signed_in_key(secret: str, token: str, now: float) -> str | None:
    """The key id a token stands for, if it is genuine and not expired."""
    key_id, _, rest = token.partition(".")
    expires, _, mac = rest.partition(".")
    if not (token.isascii() and key_id.isalnum() and expires.isdecimal()) or int(expires) < now:
        return None
    return key_id if hmac.compare_digest(mac, _mac(secret, key_id, int(expires))) else None
