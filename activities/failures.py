"""Business rules that say no become non-retryable ApplicationErrors whose type is the
error code, so the workflow and the API see the same machine-readable reason."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import structlog
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from domain.errors import OrdinoError

log = structlog.get_logger()
P = ParamSpec("P")
R = TypeVar("R")


def as_application_error(err: OrdinoError) -> ApplicationError:
    # Benign: an expected outcome, which the SDK logs at debug level instead of as a
    # warning with the trace (and metrics do not count it as an activity failure).
    return ApplicationError(
        err.message,
        err.details,
        type=err.code.value,
        non_retryable=True,
        category=ApplicationErrorCategory.BENIGN,
    )


def _order_id(args: tuple[object, ...]) -> str | None:
    """The order an activity works for: its input's order_id, or the input itself."""
    for arg in args[1:]:  # args[0] is the activities object
        if isinstance(arg, str):
            return arg
        order_id = getattr(arg, "order_id", None) or getattr(getattr(arg, "request", None), "order_id", None)
        if isinstance(order_id, str):
            return order_id
    return None


def business_rules(fn: Callable[P, R]) -> Callable[P, R]:
    """Map business errors to non-retryable ApplicationErrors, each logged as one line with
    its code, and bind the order id to every log line the activity writes."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with structlog.contextvars.bound_contextvars(order_id=_order_id(args), step=fn.__name__):
            try:
                return fn(*args, **kwargs)
            except OrdinoError as err:
                # The code says what happened; the message and details may quote the
                # customer (an address the carrier refused), so they stay out of the log.
                log.info("refused by a business rule", code=err.code.value)
                raise as_application_error(err) from err

    return wrapper
