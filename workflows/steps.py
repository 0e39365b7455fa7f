"""How workflows run their steps: a local activity (a short database transaction or provider
call), or a regular one where a lost workflow task must not leave an effect behind, with the
same timeout and a bounded number of retries everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

STEP_TIMEOUT = timedelta(seconds=30)
# About four minutes of retries (a database or gateway outage rides through); then the step
# fails for good, and the order workflow parks it for support rather than retry forever.
STEP_ATTEMPTS = 12
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=STEP_ATTEMPTS,
)


async def run_step(activity: Callable[..., Any], arg: Any) -> Any:
    return await workflow.execute_local_activity_method(
        activity, arg, start_to_close_timeout=STEP_TIMEOUT, retry_policy=STEP_RETRY
    )


async def run_activity(activity: Callable[..., Any], arg: Any) -> Any:
    return await workflow.execute_activity_method(
        activity, arg, start_to_close_timeout=STEP_TIMEOUT, retry_policy=STEP_RETRY
    )


def failure_cause(err: BaseException) -> ApplicationError | None:
    """The ApplicationError behind a failed step: local activities fail with it directly,
    regular ones wrap it in an ActivityError."""
    cause = err.cause if isinstance(err, ActivityError) else err
    return cause if isinstance(cause, ApplicationError) else None


def refusal(err: ActivityError | ApplicationError) -> Exception:
    """A business rule a step refused (a non-retryable ApplicationError), as the caller's
    own coded failure; anything else as it came."""
    cause = failure_cause(err)
    if cause is not None and cause.non_retryable:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return err
