"""The worker process: runs order workflows and their activities."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    UnsandboxedWorkflowRunner,
    Worker,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from activities.alerts import AlertActivities
from activities.changes import ChangeActivities
from activities.fulfillment import FulfillmentActivities
from activities.intake import IntakeActivities
from activities.inventory import InventoryActivities
from activities.invoicing import InvoicingActivities
from activities.notifications import NotificationActivities
from activities.order_log import OrderLogActivities
from activities.payments import PaymentActivities
from activities.refunds import RefundActivities
from activities.returns import ReturnActivities
from activities.shipping import ShippingActivities
from db.engine import Database
from providers import adapters
from providers.backoff import OutageLog, every, outage_of, summary, until_up
from runtime.payload_codec import keyring
from runtime.temporal_client import check_health, connect, ensure_search_attributes, runtime
from runtime.worker_health import WorkerReadiness, serve_health
from settings import MissingSecret, Settings
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow

log = structlog.get_logger()

WORKFLOWS = [OrderWorkflow, ReturnWorkflow]


def activities_for(db: Database, settings: Settings) -> list[Callable[..., Any]]:
    """Every activity, bound to the adapters the settings name (providers/adapters.py)."""
    carrier = adapters.carrier(db, settings)
    gateway = adapters.payment_gateway(db, settings)
    inventory = InventoryActivities(db)
    payments = PaymentActivities(db, gateway)
    shipping = ShippingActivities(db, carrier)
    invoicing = InvoicingActivities(db, settings)
    returns = ReturnActivities(db, carrier, settings)
    changes = ChangeActivities(db, settings, carrier)
    fulfillment = FulfillmentActivities(db)
    return [
        IntakeActivities(db, settings).accept_order,
        inventory.release_stock,
        inventory.waiting_backorders,
        inventory.plan_fulfillments,
        payments.authorize_payment,
        payments.capture_payment,
        payments.void_payment,
        payments.settle_payment,
        payments.payment_books,
        invoicing.issue_invoice,
        RefundActivities(db, gateway, invoicing).refund_payment,
        fulfillment.open_fulfillments,
        fulfillment.confirm_packed,
        fulfillment.packed_parcels,
        shipping.book_parcel,
        shipping.correct_address,
        shipping.record_tracking,
        shipping.parcel_states,
        OrderLogActivities(db).record_event,
        AlertActivities(db).resolve_alerts,
        NotificationActivities(db, settings, adapters.mailer(settings)).notify_customer,
        changes.plan_change,
        changes.apply_change,
        changes.stop_parcel,
        changes.parcel_contents,
        returns.open_return,
        returns.decide_return,
        returns.send_return_label,
        returns.receive_return,
        returns.quote_replacement,
        returns.ship_replacement,
        returns.close_return,
    ]


class _OutagesInActivities(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, outages: OutageLog) -> None:
        super().__init__(next)
        self._outages = outages

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        source = activity.info().activity_type
        try:
            result = await self.next.execute_activity(input)
        except Exception as err:
            dependency = outage_of(err)
            if dependency is None:
                raise
            self._outages.failed(dependency, err, source)
            # Benign: the SDK logs it without a traceback; retryable: the step's retry policy
            # (capped exponential backoff) tries again until the service is back.
            raise ApplicationError(
                f"{dependency} unavailable: {summary(err)}",
                type="DependencyUnavailable",
                category=ApplicationErrorCategory.BENIGN,
            ) from err
        self._outages.succeeded(source)
        return result


class RideOutOutages(Interceptor):
    """An activity that fails because the database or the mail server is down is retried
    like any failure, but logged once per outage instead of with a traceback per attempt."""

    def __init__(self, outages: OutageLog) -> None:
        self._outages = outages

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _OutagesInActivities(next, self._outages)


def workflow_runner(sandboxed: bool) -> WorkflowRunner:
    """Temporal's sandbox (settings.workflow_sandbox) where the tests run workflows: it imports
    the workflow modules anew for each run, so their code that reads a clock, randomness or
    I/O fails there. The plain runner elsewhere: that import costs about as much CPU as the
    rest of an order's workflow side (docs/performance.md)."""
    return SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner()


def build_worker(
    client: Client,
    db: Database,
    settings: Settings,
    task_queue: str | None = None,
    outages: OutageLog | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Worker:
    """The worker; tests add interceptors that crash it or race it at a chosen step."""
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities_for(db, settings),
        # Activities and local activities share the pool: room for both, so none waits for a
        # thread until its timeout and gets retried while the first attempt still runs.
        activity_executor=ThreadPoolExecutor(max_workers=2 * settings.max_concurrent_activities),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_local_activities=settings.max_concurrent_activities,
        max_cached_workflows=settings.max_cached_workflows,
        workflow_runner=workflow_runner(settings.workflow_sandbox),
        interceptors=[RideOutOutages(outages or OutageLog()), *interceptors],
    )


async def run_worker(settings: Settings, database_url: str) -> None:
    """Wait for Temporal and the database at start-up, however long they take, then run.
    Through a later outage the worker keeps polling; its health check logs the outage."""
    outages = OutageLog()
    readiness = WorkerReadiness()
    metrics = settings.worker_metrics or None
    # Both endpoints are up from the start, so an orchestrator sees a live worker that waits
    # for its services (not ready yet); a port that is taken stops the worker with one line.
    try:
        runtime(metrics)
        health = await serve_health(settings.worker_health, readiness) if settings.worker_health else None
    except (ValueError, OSError) as err:
        raise SystemExit(f"worker endpoints (ORDINO_WORKER_METRICS, ORDINO_WORKER_HEALTH): {err}") from None
    try:
        keyring(settings)  # no waiting for Temporal without the keys to write to it
    except MissingSecret as err:
        raise SystemExit(str(err)) from None
    client = await until_up(
        lambda: connect(settings, metrics=metrics), settings.retry_backoff(), outages, "start-up"
    )
    await until_up(
        lambda: ensure_search_attributes(client, settings.temporal_namespace),
        settings.retry_backoff(),
        outages,
        "start-up",
    )
    db = Database(database_url, pool_size=2 * settings.max_concurrent_activities)
    await until_up(lambda: asyncio.to_thread(db.ping), settings.retry_backoff(), outages, "start-up")
    worker = build_worker(client, db, settings, outages=outages)
    readiness.attach(worker, db, settings.temporal_namespace)
    log.info(
        "worker started",
        task_queue=settings.task_queue,
        temporal=settings.temporal_address,
        metrics=settings.worker_metrics or "off",
    )
    try:
        # The health check never returns; should it fail on what is no outage, the worker
        # stops with it rather than run on with nobody watching.
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(worker.run())
            tasks.create_task(
                every(
                    settings.health_check_interval.total_seconds(),
                    lambda: check_health(client),
                    settings.retry_backoff(),
                    outages,
                )
            )
    finally:
        if health is not None:
            health.close()
        db.dispose()


if __name__ == "__main__":
    from logs import configure_logging
    from settings import get_settings

    s = get_settings()
    configure_logging(s.log_format, s.log_level, process="worker")
    if not s.database_url:
        raise SystemExit("ORDINO_DATABASE_URL is not set (the dev stack sets it for you)")
    asyncio.run(run_worker(s, s.database_url))
