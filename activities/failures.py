"""Business rules that say no become non-retryable ApplicationErrors whose type is the
error code, so the workflow and the API see the same machine-readable reason."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from temporalio.exceptions import ApplicationError

from domain.errors import OrdinoError

P = ParamSpec("P")
R = TypeVar("R")


def as_application_error(err: OrdinoError) -> ApplicationError:
    return ApplicationError(err.message, err.details, type=err.code.value, non_retryable=True)


def business_rules(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except OrdinoError as err:
            raise as_application_error(err) from err

    return wrapper
