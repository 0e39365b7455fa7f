"""Resolving where things run: the configured PostgreSQL, or the embedded one."""

from __future__ import annotations

from typing import Any

from db.embedded import start_embedded_postgres
from settings import Settings

_embedded: list[Any] = []  # keeps the embedded server's handle alive for this process


def database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    handle, url = start_embedded_postgres(settings.data_dir / "postgres")
    _embedded.append(handle)
    return url
