"""How workflows run their steps: a local activity (a short database transaction or provider
call), or a regular one where a lost workflow task must not leave an effect behind, with the
same timeout and a bounded number of retries everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.step import In, Out, Step

STEP_TIMEOUT = timedelta(seconds=30)
STEP_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=30))
# About two and a half minutes of retries (a short database or gateway outage rides through);
# then the step fails for good, and the order workflow parks it rather than retry forever.
# Workflows that cannot park (returns) keep retrying.
STEP_ATTEMPTS = 12
BOUNDED_RETRY = RetryPolicy(
    initial_interval=STEP_RETRY.initial_interval,
    maximum_interval=STEP_RETRY.maximum_interval,
    maximum_attempts=STEP_ATTEMPTS,
)


async def run_step(step: Step[In, Out], arg: In, bounded: bool = False) -> Out:
    retry = BOUNDED_RETRY if bounded else STEP_RETRY
    result: Out = await workflow.execute_local_activity(
        step.name, arg, result_type=step.output, start_to_close_timeout=STEP_TIMEOUT, retry_policy=retry
    )
    return result


async def run_activity(step: Step[In, Out], arg: In, bounded: bool = False) -> Out:
    retry = BOUNDED_RETRY if bounded else STEP_RETRY
    result: Out = await workflow.execute_activity(
        step.name, arg, result_type=step.output, start_to_close_timeout=STEP_TIMEOUT, retry_policy=retry
    )
    return result


class Runner(Protocol):
    """run_step or run_activity."""

    async def __call__(self, step: Step[In, Out], arg: In, bounded: bool = ...) -> Out: ...
