"""Who may do what: the roles an API key can have, the principal a key stands for, and the
rules that do not depend on a route (scopes)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

from domain.errors import ErrorCode, OrdinoError
from domain.inputs import Text


class Role(StrEnum):
    CHANNEL = "channel"  # a sales channel: its own orders only
    SUPPORT = "support"  # reads everything, changes and cancels, goodwill refunds up to a limit
    WAREHOUSE = "warehouse"  # one warehouse: packing, receipts, returns arriving, labels
    FINANCE = "finance"  # invoices, credit notes, refunds of any amount
    ADMIN = "admin"  # prices, promotions, tax, reorder points, keys


# A channel key is bound to its channel, a warehouse key to its warehouse; the others see all.
SCOPED = frozenset({Role.CHANNEL, Role.WAREHOUSE})


@dataclass(frozen=True)
class Principal:
    """Whoever an API key (or the CLI's operating-system user) stands for."""

    name: str
    role: Role
    scope: str | None = None
    key_id: str | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names them: from the key, never from a request body."""
        return f"{self.name} ({self.role.value})"

    def reaches(self, owner: str | None) -> bool:
        """Whether a resource owned by this channel or warehouse is within the key's scope."""
        return self.role not in SCOPED or owner == self.scope


def check_scope(role: Role, scope: str | None) -> None:
    """A channel or warehouse key names what it is bound to; the others name nothing."""
    if role in SCOPED and not scope:
        raise OrdinoError(ErrorCode.INVALID_BODY, f"A {role.value} key is bound to a {role.value} code")
    if role not in SCOPED and scope:
        raise OrdinoError(ErrorCode.INVALID_BODY, f"A {role.value} key is not bound to a scope")


# A key's name is part of every actor it writes (at most 100 characters with its role).
KeyName = Annotated[str, Text(60)]
# The channel or warehouse code a key is bound to.
ScopeCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


def reads_internal(role: Role) -> bool:
    """Whether a key sees what staff write for staff on an order (internal notes): never a
    channel's, whose pages its customers read."""
    return role is not Role.CHANNEL
