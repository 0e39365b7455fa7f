"""Riding out outages: which errors are outages, the backoff between attempts, and a log
that says so once per outage."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from temporalio.service import RPCError, RPCStatusCode

from providers.backoff import (
    DATABASE,
    MAIL_SERVER,
    TEMPORAL,
    Backoff,
    OutageLog,
    Unavailable,
    outage_of,
    until_up,
)
from tests.support.ports import free_port


class Lines:
    """A logger that keeps what it was told."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, dict]] = []

    def warning(self, event: str, **kw: object) -> None:
        self.lines.append(("warning", event, kw))

    def info(self, event: str, **kw: object) -> None:
        self.lines.append(("info", event, kw))


def test_delays_double_up_to_the_cap_and_start_over_after_a_reset():
    backoff = Backoff(0.5, 3)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1, 2, 3, 3]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_a_refused_database_connection_is_an_outage_a_bad_statement_is_not():
    port = free_port()  # nothing listens there
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=3)
    assert outage_of(refused.value) == DATABASE
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    with pytest.raises(OperationalError) as wrapped, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert outage_of(wrapped.value) == DATABASE  # as SQLAlchemy hands it over
    # A serialization failure is an OperationalError too, but the database is there.
    assert outage_of(psycopg.errors.SerializationFailure("could not serialize")) is None


def test_an_unreachable_temporal_server_is_an_outage_a_missing_workflow_is_not():
    assert outage_of(RPCError("tcp connect error", RPCStatusCode.UNAVAILABLE, b"")) == TEMPORAL
    assert outage_of(RuntimeError("Failed client connect: Server connection error")) == TEMPORAL
    assert outage_of(RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b"")) is None
    assert outage_of(RuntimeError("something else")) is None
    assert outage_of(Unavailable(MAIL_SERVER, "connection refused")) == MAIL_SERVER
    assert outage_of(ValueError("a bug")) is None


def test_one_line_per_outage_and_one_when_what_failed_on_it_succeeds():
    lines = Lines()
    outages = OutageLog(lines)
    for _ in range(3):
        outages.failed(DATABASE, Unavailable(DATABASE, "refused"), source="tick")
    outages.failed(DATABASE, Unavailable(DATABASE, "refused"), source="GET /orders")
    assert [(level, kw["dependency"]) for level, _, kw in lines.lines] == [("warning", DATABASE)]
    assert lines.lines[0][2]["error"] == "refused"

    outages.succeeded("a source that never failed says nothing about the database")
    assert len(lines.lines) == 1
    outages.succeeded("tick")
    outages.succeeded("GET /orders")
    assert [(level, event) for level, event, _ in lines.lines] == [
        ("warning", "dependency unavailable"),
        ("info", "dependency available again"),
    ]
    outages.failed(DATABASE, Unavailable(DATABASE, "refused again"), source="tick")
    assert len(lines.lines) == 3  # a new outage, a new line


async def test_until_up_retries_an_outage_and_raises_anything_else():
    lines = Lines()
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise Unavailable(TEMPORAL, "connection refused")
        return "connected"

    assert await until_up(flaky, Backoff(0, 0), OutageLog(lines), "start-up") == "connected"
    assert len(attempts) == 3
    assert [level for level, _, _ in lines.lines] == ["warning", "info"]

    async def broken() -> None:
        raise ValueError("a bug is not an outage")

    with pytest.raises(ValueError):
        await until_up(broken, Backoff(0, 0), OutageLog(lines))
