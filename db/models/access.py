"""API keys: who may call the HTTP API. Only a hash of each secret is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, _now


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # public: the key's first part
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # The channel or warehouse a channel or warehouse key is bound to.
    scope: Mapped[str | None] = mapped_column(String(32), nullable=True)
    secret_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the secret, hex
    created_at: Mapped[datetime] = _now()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConsoleSession(Base):
    """A signed-in console: the browser holds a random token, Ordino its hash. Signing out
    ends it here, so a copied cookie stops working too; so does revoking the key."""

    __tablename__ = "console_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token, hex
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    # The synchronizer token every form of the session carries.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
