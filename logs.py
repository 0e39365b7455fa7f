"""Logging: one structlog setup for every process, readable in dev and JSON in production.

Every line names the process that wrote it (api, worker, carrier, ...), and the standard
library's lines (uvicorn, the Temporal SDK) are rendered like structlog's own, with the
request id and order id bound at the time; an SDK line about a workflow or an activity
gets the order id from the workflow id."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

import structlog
import temporalio.activity
import temporalio.workflow

from contracts.ids import order_id_of_workflow

# Read at every line, not captured at configuration: structlog caches a logger on first use
# with the processors of that time, and a process is named once it knows what it runs.
_process = {"name": "ordino"}


class _CurrentStderr:
    """Writes to whatever sys.stderr is at the time, so loggers outlive a swapped stream."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _stderr() -> TextIO:
    return cast(TextIO, _CurrentStderr())  # a stream as far as loggers go: write and flush


def _add_process(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.setdefault("process", _process["name"])
    return event


def _temporal_context(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The SDK puts the workflow's or activity's info on its records as an extra."""
    record = event.get("_record")
    info = getattr(record, "temporal_activity", None) or getattr(record, "temporal_workflow", None)
    if isinstance(info, dict):
        order_id = order_id_of_workflow(str(info.get("workflow_id", "")))
        if order_id:
            event.setdefault("order_id", order_id)
        if "activity_type" in info:
            event.setdefault("activity", info["activity_type"])
            event.setdefault("attempt", info.get("attempt"))
    return event


class _OrdinoHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler this module installs, found again when logging is configured anew."""


def configure_logging(fmt: str = "console", level: str = "INFO", process: str | None = None) -> None:
    if process:
        _process["name"] = process
    # JSON lines carry a trace as text; the console renderer prints it itself.
    rendering: list[structlog.typing.Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if fmt == "json"
        else [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_process,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, *rendering],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_stderr()),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *shared,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(allow=("order_id", "step")),
            _temporal_context,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OrdinoHandler)]:
        root.removeHandler(handler)
    handler = _OrdinoHandler(_stderr())
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # The SDK appends its info to the message as a dict; _temporal_context takes what matters.
    temporalio.activity.logger.activity_info_on_message = False
    temporalio.workflow.logger.workflow_info_on_message = False
    # Chatty libraries: their routine lines drown the order's story.
    for name in ("pgserver", "httpx", "alembic.runtime.migration", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
