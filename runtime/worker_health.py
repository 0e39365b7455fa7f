"""The worker's own probe for ops and orchestrators, on ORDINO_WORKER_HEALTH: GET /health
answers while the process runs; GET /ready answers 200 once Temporal lists this worker
among its task queue's pollers (it polls, seen from the server) and PostgreSQL answers, and
503 saying which check failed otherwise (also while the worker is still starting up).

A few lines of HTTP over asyncio rather than a web framework: two GET routes, JSON
answers, one request per connection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.worker import Worker

from db.engine import Database

log = structlog.get_logger()
CHECK_TIMEOUT_SECONDS = 3
# A poll waits up to a minute for a task before the worker polls again: a worker that
# polls at all was seen within that, and one gone for longer is not polling. (Measured
# against this host's clock: the margin covers a modest skew from the server's.)
POLL_SEEN_WITHIN = timedelta(seconds=90)
POLLED = (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
MAX_REQUEST_BYTES = 8192


@dataclass
class _Running:
    worker: Worker
    db: Database
    namespace: str


class WorkerReadiness:
    """What /ready checks: nothing is ready until the worker runs (attach())."""

    def __init__(self) -> None:
        self._running: _Running | None = None

    def attach(self, worker: Worker, db: Database, namespace: str) -> None:
        self._running = _Running(worker, db, namespace)

    async def checks(self) -> dict[str, str]:
        running = self._running
        if running is None or not running.worker.is_running:
            return {"worker": "starting"}
        return {
            "postgresql": await _checked(asyncio.to_thread(running.db.ping)),
            "temporal": await _checked(_polls(running)),
        }


async def _checked(check: Awaitable[object]) -> str:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except NotPolling:
        return "not polling"
    except Exception as err:  # any failure means not ready: say which
        log.info("worker not ready", error=f"{type(err).__name__}: {err}")
        return "unreachable"
    return "ok"


class NotPolling(Exception):
    pass


async def _polls(running: _Running) -> None:
    """Temporal lists this worker among the pollers of its task queue, seen lately."""
    worker = running.worker
    identity = worker.config().get("identity") or worker.client.identity
    now = datetime.now(UTC)
    for kind in POLLED:
        described = await worker.client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=running.namespace,
                task_queue=TaskQueue(name=worker.task_queue),
                task_queue_type=kind,
            ),
            timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS),
        )
        seen = [
            p
            for p in described.pollers
            if p.identity == identity and now - p.last_access_time.ToDatetime(tzinfo=UTC) < POLL_SEEN_WITHIN
        ]
        if not seen:
            raise NotPolling(TaskQueueType.Name(kind))


async def _answer(readiness: WorkerReadiness, method: str, path: str) -> tuple[int, dict[str, object]]:
    if path not in ("/health", "/ready"):
        return 404, {"code": "route_not_found", "message": "No such path"}
    if method not in ("GET", "HEAD"):
        return 405, {"code": "method_not_allowed", "message": "GET only"}
    if path == "/health":
        return 200, {"status": "ok"}
    checks = await readiness.checks()
    if all(v == "ok" for v in checks.values()):
        return 200, {"status": "ready", "checks": checks}
    return 503, {"code": "not_ready", "message": "Not ready", "details": {"checks": checks}}


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Unavailable"}


async def _serve_one(
    readiness: WorkerReadiness, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CHECK_TIMEOUT_SECONDS)
        method, path, *_ = head[:MAX_REQUEST_BYTES].decode("latin-1").split(" ", 2)
        status, body = await _answer(readiness, method, path.split("?", 1)[0])
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
        status, body = 400, {"code": "bad_request", "message": "Not an HTTP request"}
        method = "GET"
    payload = json.dumps(body).encode()
    writer.write(
        f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
        + (b"" if method == "HEAD" else payload)
    )
    try:
        await writer.drain()
    except ConnectionError:
        pass  # the prober gave up waiting: nobody to tell
    finally:
        writer.close()


async def serve_health(address: str, readiness: WorkerReadiness) -> asyncio.Server:
    """Listen on host:port; the caller closes the server."""
    host, _, port = address.rpartition(":")
    server = await asyncio.start_server(
        lambda r, w: _serve_one(readiness, r, w), host or "127.0.0.1", int(port), limit=MAX_REQUEST_BYTES
    )
    log.info("worker health endpoint", address=address)
    return server
