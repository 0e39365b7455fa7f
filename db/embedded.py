"""The embedded PostgreSQL (pgserver) used when no database URL is configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DATABASE = "ordino"


def start_embedded_postgres(data_dir: Path) -> tuple[Any, str]:
    """Start (or reuse) a PostgreSQL kept in data_dir; return the server handle and a URL.

    The handle must stay referenced: the server stops when the process that started it exits.
    """
    import warnings

    # platformdirs warns about a missing XDG_RUNTIME_DIR on servers; it falls back to /tmp.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from pgserver.postgres_server import get_server  # imported lazily: production never needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir.resolve(), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    return server, server.get_uri(DATABASE)
