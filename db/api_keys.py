"""API keys: made with a random secret shown once, kept as a hash, found again by the id
the key starts with. Keys are long and random, so one SHA-256 is enough to keep them: there
is no password to guess."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from db.engine import Database
from db.models import ApiKey
from domain.access import Principal, Role, check_scope
from domain.errors import ErrorCode, OrdinoError

PREFIX = "ordino"
# last_used_at is written at most this often, so a busy key does not write at every request.
USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class KeyView:
    id: str
    name: str
    role: Role
    scope: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _view(row: ApiKey) -> KeyView:
    return KeyView(row.id, row.name, Role(row.role), row.scope, row.created_at, row.last_used_at,
                   row.revoked_at)  # fmt: skip


def create(db: Database, name: str, role: Role, scope: str | None = None) -> tuple[KeyView, str]:
    """A new key; answers it with its one and only showing: `ordino_<id>_<secret>`."""
    check_scope(role, scope)
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with db.transaction() as s:
        row = ApiKey(id=key_id, name=name, role=role.value, scope=scope, secret_hash=_hash(secret))
        s.add(row)
        s.flush()
        s.refresh(row)
        return _view(row), f"{PREFIX}_{key_id}_{secret}"


def listed(db: Database) -> list[KeyView]:
    with db.reader() as s:
        return [_view(row) for row in s.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id))]


def revoke(db: Database, key_id: str) -> KeyView:
    """Revoked keys stay listed, so the audit trail's names keep meaning something."""
    with db.transaction() as s:
        row = s.get(ApiKey, key_id, with_for_update=True)
        if row is None:
            raise OrdinoError(ErrorCode.KEY_NOT_FOUND, f"No API key {key_id}", {"key_id": key_id})
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        return _view(row)


KEY_ID = re.compile(r"^[0-9a-f]{12}$")
SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _parts(key: str) -> tuple[str, str] | None:
    """The id and secret of a key of the shape create() makes; None for anything else."""
    prefix, _, rest = key.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not KEY_ID.match(key_id) or not SECRET.match(secret):
        return None
    return key_id, secret


def principal_of(db: Database, key_id: str) -> Principal | None:
    """Whom a key, by its id, stands for while it is not revoked (a sign-in names the id)."""
    if not KEY_ID.match(key_id):
        return None
    with db.reader() as s:
        row = s.get(ApiKey, key_id)
        if row is None or row.revoked_at is not None:
            return None
        return Principal(name=row.name, role=Role(row.role), scope=row.scope, key_id=row.id)


def principal(db: Database, key: str) -> Principal | None:
    """Whom a key stands for; None for a malformed, unknown or revoked key."""
    parts = _parts(key)
    if parts is None:
        return None
    key_id, secret = parts
    now = datetime.now(UTC)
    with db.transaction() as s:
        row = s.get(ApiKey, key_id)
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(row.secret_hash, _hash(secret)):
            return None
        if row.last_used_at is None or now - row.last_used_at >= USE_RESOLUTION:
            row.last_used_at = now
        return Principal(name=row.name, role=Role(row.role), scope=row.scope, key_id=row.id)
