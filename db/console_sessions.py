"""Console sessions: a support console signed in with an API key. The browser holds a
random token; Ordino keeps its hash, the key, the form token and when it ends. Every page
asks again, so an expired session, a signed-out one and one whose key was revoked all
stop at the next click."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from db.engine import Database
from db.models import ApiKey, ConsoleSession
from domain.access import Principal, Role


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Database, key_id: str, lasts: timedelta) -> str:
    """A new session for the key; answers the token the browser keeps."""
    token = secrets.token_urlsafe(32)
    with db.transaction() as s:
        s.add(
            ConsoleSession(
                id=_hash(token),
                key_id=key_id,
                csrf_token=secrets.token_urlsafe(32),
                expires_at=datetime.now(UTC) + lasts,
            )
        )
    return token


def signed_in(db: Database, token: str) -> SignedIn | None:
    """Who the token's session stands for, while it lasts and its key is not revoked."""
    if not token.isascii() or len(token) > 100:
        return None
    now = datetime.now(UTC)
    with db.reader() as s:
        row = s.execute(
            select(ConsoleSession, ApiKey)
            .join(ApiKey, ApiKey.id == ConsoleSession.key_id)
            .where(
                ConsoleSession.id == _hash(token),
                ConsoleSession.ended_at.is_(None),
                ConsoleSession.expires_at > now,
                ApiKey.revoked_at.is_(None),
            )
        ).first()
        if row is None:
            return None
        session, key = row
        principal = Principal(name=key.name, role=Role(key.role), scope=key.scope, key_id=key.id)
        return SignedIn(principal, session.csrf_token, session.expires_at)


def end_session(db: Database, token: str) -> None:
    with db.transaction() as s:
        s.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == _hash(token), ConsoleSession.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )
