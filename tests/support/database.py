"""Test databases: a fresh migrated one per run, and the stock books checked against the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import text

from db.engine import Database
from db.migrate import upgrade


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A database of its own on the server at admin_url, migrated, dropped at the end."""
    name = f"ordino_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = admin_url.partition("?")
    url = base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")
    upgrade(url)
    try:
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ledger_drift(database: Database) -> list:
    """Stock levels whose on hand or reserved differ from the sums of their ledger."""
    with database.reader() as s:
        return s.execute(
            text("""
                SELECT l.sku, l.warehouse, l.on_hand, l.reserved,
                       COALESCE(SUM(m.on_hand_delta), 0), COALESCE(SUM(m.reserved_delta), 0)
                FROM stock_levels l
                LEFT JOIN stock_movements m ON m.sku = l.sku AND m.warehouse = l.warehouse
                GROUP BY l.sku, l.warehouse, l.on_hand, l.reserved
                HAVING l.on_hand <> COALESCE(SUM(m.on_hand_delta), 0)
                    OR l.reserved <> COALESCE(SUM(m.reserved_delta), 0)
            """)
        ).all()
