"""Riding out outages. Every long-running process (worker, API, sandbox carrier and
warehouse) meets a database, a Temporal server or a peer that is down for a while. They all
use what is here: which errors mean "that service is down" (rather than a bug), capped
exponential backoff between attempts, and a log that says so once per outage and once
when the service is back, never a traceback per attempt."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import psycopg
import structlog
from sqlalchemy.exc import DBAPIError
from temporalio.service import RPCError, RPCStatusCode

T = TypeVar("T")
log = structlog.get_logger()

DATABASE = "database"
TEMPORAL = "Temporal"
MAIL_SERVER = "mail server"
ORDINO_API = "Ordino API"

# SQLSTATEs of a connection that failed or of a server going away (classes 08 and 57P);
# client-side failures (refused, reset) carry no SQLSTATE at all.
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")


class Unavailable(Exception):
    """A service this process needs cannot be reached right now; trying later may work."""

    def __init__(self, dependency: str, detail: str) -> None:
        super().__init__(f"{dependency} unavailable: {detail}")
        self.dependency = dependency
        self.detail = detail


def outage_of(err: BaseException) -> str | None:
    """The service an error says is down, or None when the error is something else."""
    if isinstance(err, Unavailable):
        return err.dependency
    if isinstance(err, DBAPIError):
        if err.connection_invalidated:
            return DATABASE
        return outage_of(err.orig) if err.orig is not None else None
    if isinstance(err, psycopg.OperationalError):
        sqlstate = err.sqlstate
        return DATABASE if sqlstate is None or sqlstate.startswith(_CONNECTION_SQLSTATES) else None
    if isinstance(err, RPCError):
        return TEMPORAL if err.status is RPCStatusCode.UNAVAILABLE else None
    # A lazily connected Temporal client that cannot connect says so only in words.
    if isinstance(err, RuntimeError) and str(err).startswith("Failed client connect"):
        return TEMPORAL
    return None


def summary(err: BaseException) -> str:
    """One line about an error: what a log line about an outage needs, no traceback."""
    if isinstance(err, Unavailable):
        return err.detail  # the dependency is named beside it
    inner = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    text = str(inner).strip().splitlines()
    return (text[0] if text else type(inner).__name__)[:200]


class Backoff:
    """Capped exponential delays: initial, twice that, ... up to maximum, until reset."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self._next = initial

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.initial


class _Outage:
    def __init__(self) -> None:
        self.since = time.monotonic()
        self.sources: set[str] = set()


class OutageLog:
    """One warning when a service goes down, one line when it is back. A service is back
    when something that failed on it (a loop, a route, an activity type: its source)
    succeeds again; what fails on it in between adds nothing to the log."""

    def __init__(self, logger: Any = None) -> None:
        self._log = logger or log
        self._down: dict[str, _Outage] = {}
        self._lock = threading.Lock()  # activities report from their threads

    def failed(self, dependency: str, err: BaseException, source: str = "") -> None:
        with self._lock:
            outage = self._down.get(dependency)
            if outage is None:
                outage = self._down[dependency] = _Outage()
                self._log.warning("dependency unavailable", dependency=dependency, error=summary(err))
            outage.sources.add(source)

    def succeeded(self, source: str = "") -> None:
        if not self._down:  # the common case, no lock needed
            return
        with self._lock:
            for dependency, outage in list(self._down.items()):
                if source in outage.sources:
                    self._back(dependency, outage)

    def answered(self, dependency: str) -> None:
        """A direct check of the service itself got through (a readiness probe): it is back,
        whatever failed on it."""
        with self._lock:
            outage = self._down.get(dependency)
            if outage is not None:
                self._back(dependency, outage)

    def _back(self, dependency: str, outage: _Outage) -> None:
        del self._down[dependency]
        down_for = round(time.monotonic() - outage.since, 1)
        self._log.info("dependency available again", dependency=dependency, down_for_s=down_for)


async def until_up(
    call: Callable[[], Awaitable[T]], backoff: Backoff, outages: OutageLog, source: str = ""
) -> T:
    """Call until it gets through an outage; any other error is raised as it is."""
    while True:
        try:
            result = await call()
        except Exception as err:
            dependency = outage_of(err)
            if dependency is None:
                raise
            outages.failed(dependency, err, source)
            await asyncio.sleep(backoff.next_delay())
        else:
            outages.succeeded(source)
            backoff.reset()
            return result


async def every(
    interval: float, tick: Callable[[], Awaitable[object]], backoff: Backoff, outages: OutageLog
) -> NoReturn:
    """A polling loop: tick every interval; through an outage, tick again after the backoff."""
    while True:
        await until_up(tick, backoff, outages)
        await asyncio.sleep(interval)
