"""What a person signed in to the console may do: exactly what their key may do over the
API (starter/http/policy.py), so the console offers an action only where the API would
take it, and one table stays the whole access policy."""

from __future__ import annotations

from domain.access import Principal, Role
from starter.http.access import rule_of

# Who may sign in: the people the console is for. A channel or a warehouse is a machine.
CONSOLE_ROLES = frozenset({Role.SUPPORT, Role.FINANCE, Role.ADMIN})


def may(principal: Principal, method: str, path: str) -> bool:
    """Whether the principal's role may call the API route `method path` (its template)."""
    rule = rule_of(method, path)
    return rule.public or principal.role in rule.roles
