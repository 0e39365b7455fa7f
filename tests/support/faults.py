"""Faults on purpose, at a chosen step of a chosen order: a worker interceptor that fails an
activity with a given error, runs a hook right after an activity (a carrier event arriving
while the step's workflow task is still in flight), or throws the workflow task away right
after a local activity committed, as a worker crash before the task was saved would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity, workflow
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

# Called with an activity's input once it has run; True when it did what it was for.
Hook = Callable[[Any], Awaitable[bool]]


class SimulatedCrash(Exception):
    """Fails the workflow task: the server throws away what the task did, as after a crash."""


def _order_of(args: Any) -> str | None:
    for arg in args:
        if isinstance(arg, str):
            return arg
        order_id = getattr(arg, "order_id", None)
        if isinstance(order_id, str):
            return order_id
    return None


@dataclass
class Faults(Interceptor):
    """What goes wrong, keyed by (order id, activity name); each fault fires once unless told."""

    # An error the activity raises instead of running, and how many times.
    failures: dict[tuple[str, str], tuple[BaseException, int]] = field(default_factory=dict)
    # Called with the activity's input once it has run, before its result reaches the workflow.
    after: dict[tuple[str, str], Hook] = field(default_factory=dict)
    # The workflow task is lost once this local activity has committed.
    crashes: set[tuple[str, str]] = field(default_factory=set)
    crashed: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, order_id: str, step: str, error: BaseException, times: int = 1) -> None:
        self.failures[(order_id, step)] = (error, times)

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityFaults(next, self)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        faults = self

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(_CrashAfter(outbound, faults))

        return Inbound


class _ActivityFaults(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, faults: Faults) -> None:
        super().__init__(next)
        self._faults = faults

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        key = (_order_of(input.args) or "", activity.info().activity_type)
        failure = self._faults.failures.get(key)
        if failure is not None:
            error, times = failure
            if times <= 1:
                del self._faults.failures[key]
            else:
                self._faults.failures[key] = (error, times - 1)
            raise error
        result = await super().execute_activity(input)
        hook = self._faults.after.get(key)
        if hook is not None and await hook(input.args[0]):
            del self._faults.after[key]
        return result


class _CrashAfter(WorkflowOutboundInterceptor):
    def __init__(self, next: WorkflowOutboundInterceptor, faults: Faults) -> None:
        super().__init__(next)
        self._faults = faults

    def start_local_activity(self, input: StartLocalActivityInput) -> workflow.ActivityHandle[Any]:
        handle = super().start_local_activity(input)
        key = (_order_of(input.args) or "", input.activity)
        if key not in self._faults.crashes or workflow.unsafe.is_replaying():
            return handle
        self._faults.crashes.discard(key)
        self._faults.crashed.append(key)

        async def crash_once_done() -> Any:
            await handle
            raise SimulatedCrash(f"worker crashed after {input.activity}")

        return asyncio.ensure_future(crash_once_done())  # type: ignore[return-value]
