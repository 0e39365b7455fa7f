"""The link in the feedback mail: it carries a token signed for that one order, so the public
form takes a rating from whoever got the mail and from nobody else."""

from __future__ import annotations

import hashlib
import hmac


def feedback_token(secret: str, order_id: str) -> str:
    return hmac.new(secret.encode(), f"feedback:{order_id}".encode(), hashlib.sha256).hexdigest()[:32]


def valid_feedback_token(secret: str, order_id: str, token: str | None) -> bool:
    if not token or not token.isascii():  # compare_digest refuses non-ASCII text
        return False
    return hmac.compare_digest(token, feedback_token(secret, order_id))
