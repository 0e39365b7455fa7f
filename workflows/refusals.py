"""Business refusals as workflows answer them: one conversion from a rule's coded error
(domain.errors) or a step's failure to the ApplicationError an update's caller sees, whose
type is the error code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from temporalio.exceptions import ActivityError, ApplicationError

from domain.errors import ErrorCode, OrdinoError


def refuse(code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> ApplicationError:
    """The answer to a request a rule refuses: raise it from a validator or a handler."""
    return ApplicationError(message, *([details] if details is not None else []), type=code.value)


def refused(err: OrdinoError) -> ApplicationError:
    return refuse(err.code, err.message, err.details)


@contextmanager
def business_rules() -> Iterator[None]:
    """Pure rules (domain/) raise OrdinoError; inside a workflow that is a coded refusal."""
    try:
        yield
    except OrdinoError as err:
        raise refused(err) from None


def failure_cause(err: BaseException) -> ApplicationError | None:
    """The ApplicationError behind a failed step: local activities fail with it directly,
    regular ones wrap it in an ActivityError."""
    cause = err.cause if isinstance(err, ActivityError) else err
    return cause if isinstance(cause, ApplicationError) else None


def failure_kind(err: BaseException) -> str:
    """What failed, as a code and never a message (which may quote the customer): the
    ApplicationError's type, else the failure's class."""
    cause = failure_cause(err)
    if cause is not None and cause.type:
        return cause.type
    inner = err.cause if isinstance(err, ActivityError) and err.cause else err
    return type(inner).__name__


def refusal(err: ActivityError | ApplicationError) -> Exception:
    """A business rule a step refused (a non-retryable ApplicationError), as the caller's
    own coded failure; anything else as it came."""
    cause = failure_cause(err)
    if cause is not None and cause.non_retryable:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return err
