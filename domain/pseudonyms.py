"""Customer ids as Temporal shows them. Search attributes are stored in the clear (the
server indexes them), so a channel whose customer ids are e-mail addresses would put every
customer's address in the Web UI: such an id is shown, and searched, as a pseudonym instead.
It is keyed (HMAC), so nobody without the key can tell whether an address is a customer."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

# ':' is never part of a customer id (domain.orders.Customer), so no pseudonym is someone's id.
PSEUDONYM_PREFIX = "anon:"


def looks_like_email(customer_id: str) -> bool:
    return "@" in customer_id


def customer_search_id(customer_id: str, key: Callable[[], bytes]) -> str:
    """The id itself, or for one that looks like an e-mail address its stable pseudonym;
    `key` is asked for only then."""
    if not looks_like_email(customer_id):
        return customer_id
    digest = hmac.new(key(), customer_id.encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:32]
