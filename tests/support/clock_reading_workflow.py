"""A workflow that breaks the rule: it reads the machine's clock. Its own module, since the
sandbox imports a workflow's module anew and a test module imports far more than this."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow


@workflow.defn(failure_exception_types=[Exception])
class ReadsTheClock:
    @workflow.run
    async def run(self) -> str:
        return datetime.now().isoformat()  # not workflow.now(): differs on replay
