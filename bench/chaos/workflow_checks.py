"""The Temporal side of a chaos run: every workflow closed as its order did, and for one
that did not, the symptom a person needs (its failure, or the activity failure the worker
logged for it)."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any

import psycopg
from temporalio.api.enums.v1 import EventType
from temporalio.api.failure.v1 import Failure
from temporalio.client import Client, WorkflowExecutionStatus

from bench.chaos.invariants import Check, rows
from bench.chaos.load import Outcome
from contracts.ids import order_workflow_id
from workflows.order import OrderWorkflow
from workflows.search_attributes import ORDER_STATUS

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CORE_LOG = re.compile(r"^\d{4}-\d\d-\d\dT")  # the SDK core's own log lines (Rust)
_ACTIVITY_FAILED = re.compile(r"^WARNING temporalio\.activity: Completing activity as failed \((\{.*\})\)")


def activity_failures(worker_log: Path) -> dict[str, str]:
    """workflow id -> its last failed activity attempt in the worker's log, with the exception
    it raised. Local activities retry inside a workflow task, so Temporal shows nothing of them
    but a task that stays started; the log is where they are seen."""
    last: dict[str, str] = {}
    if not worker_log.exists():
        return last
    current: tuple[str, str] | None = None  # (workflow id, "activity attempt n")
    exception = ""

    def close() -> None:
        if current is not None:
            last[current[0]] = f"{current[1]}: {exception[:300]}"

    for raw in worker_log.read_text(errors="replace").splitlines():
        line = _ANSI.sub("", raw)
        match = _ACTIVITY_FAILED.match(line)
        if match:
            close()
            info = ast.literal_eval(match.group(1))
            current, exception = (
                (info["workflow_id"], f"{info['activity_type']} attempt {info['attempt']}"),
                "",
            )
        elif current is not None and line and not line[0].isspace() and not line.startswith("Traceback"):
            if line.startswith(("{", "===", "WARNING", "ERROR", "INFO")) or _CORE_LOG.match(line):
                close()
                current = None
            elif not line.startswith(("The above exception", "During handling")):
                exception = line  # the last exception of the chain is the one raised
    close()
    return last


def failure_text(failure: Failure) -> str:
    """A failure and its causes on one line: 'message (Type) <- cause (Type)'."""
    parts = []
    while failure.message or failure.HasField("cause"):
        kind = failure.application_failure_info.type if failure.HasField("application_failure_info") else ""
        parts.append(failure.message + (f" ({kind})" if kind else ""))
        if not failure.HasField("cause"):
            break
        failure = failure.cause
    return " <- ".join(parts)


async def symptom(client: Client, workflow_id: str, run_id: str | None, logged: dict[str, str]) -> str:
    """Why a workflow is not closed as completed: its failure, its pending activities and
    the last failed workflow task, for whoever fixes the workflow."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    notes: list[str] = []
    history = await handle.fetch_history()
    task_failures = 0
    last_task_failure = ""
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
            notes.append("failed: " + failure_text(event.workflow_execution_failed_event_attributes.failure))
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
            notes.append("terminated: " + event.workflow_execution_terminated_event_attributes.reason)
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            task_failures += 1
            last_task_failure = failure_text(event.workflow_task_failed_event_attributes.failure)
    if task_failures:
        notes.append(f"{task_failures} workflow task failure(s), last: {last_task_failure[:300]}")
    description = await handle.describe()
    for pending in description.raw_description.pending_activities:
        last = failure_text(pending.last_failure) if pending.HasField("last_failure") else "no failure yet"
        notes.append(f"pending {pending.activity_type.name} attempt {pending.attempt}: {last[:300]}")
    if workflow_id in logged:
        notes.append(f"worker log, last failed activity: {logged[workflow_id]}")
    if history.events:
        last_event = EventType.Name(history.events[-1].event_type).removeprefix("EVENT_TYPE_")
        notes.append(f"last event {last_event} (#{len(history.events)})")
    return "; ".join(notes)


async def workflows_closed(
    client: Client, database_url: str, outcomes: list[Outcome], worker_log: Path
) -> Check:
    check = Check(
        "orders terminal (Temporal)",
        "every order's workflow completed (none failed, terminated or still running) with the "
        "database's status",
    )
    runs: dict[str, list[Any]] = {}
    async for wf in client.list_workflows():
        runs.setdefault(wf.id, []).append(wf)
    with psycopg.connect(database_url) as conn:
        stored = dict(rows(conn, "SELECT id, status FROM orders"))
    logged = activity_failures(worker_log)
    limit = asyncio.Semaphore(8)

    async def look(order_id: str) -> None:
        wid = order_workflow_id(order_id)
        async with limit:
            if wid not in runs:
                check.add(order_id, "no workflow")
                return
            for wf in runs[wid]:
                if wf.status is WorkflowExecutionStatus.COMPLETED:
                    outcome = await client.get_workflow_handle_for(
                        OrderWorkflow.run, wid, run_id=wf.run_id
                    ).result()
                    if order_id in stored and outcome.status.value != stored[order_id]:
                        check.add(
                            order_id,
                            f"workflow ended {outcome.status.value}, database says {stored[order_id]}",
                        )
                else:
                    state = wf.status.name if wf.status else "UNKNOWN"
                    # What each side believes, e.g. 'authorized' in the workflow, 'invoiced' stored.
                    seen = wf.typed_search_attributes.get(ORDER_STATUS)
                    views = f"workflow's OrderStatus {seen}, database {stored.get(order_id, 'no row')}"
                    check.add(order_id, f"{state} ({views}): {await symptom(client, wid, wf.run_id, logged)}")

    await asyncio.gather(*(look(o.order_id) for o in outcomes if o.accepted or o.order_id in stored))
    others = [wf for wid, group in runs.items() for wf in group if not wid.startswith("order-")]
    for wf in others:
        if wf.status is not WorkflowExecutionStatus.COMPLETED:
            check.add(wf.id, f"{wf.workflow_type} {wf.status.name if wf.status else '?'}")
    check.offences.sort(key=lambda o: o.subject)
    return check
