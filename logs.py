"""Logging: one structlog setup for every process, readable in dev and JSON in production."""

from __future__ import annotations

import logging
import sys

import structlog


class _CurrentStderr:
    """Writes to whatever sys.stderr is at the time, so loggers outlive a swapped stream."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    # JSON lines carry a trace as text; the console renderer prints it itself.
    rendering: list[structlog.typing.Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if fmt == "json"
        else [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *rendering,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(
        level=level.upper(), stream=_CurrentStderr(), format="%(levelname)s %(name)s: %(message)s"
    )
    # Chatty libraries: their routine lines drown the order's story.
    for name in ("pgserver", "httpx", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(logging.WARNING)
