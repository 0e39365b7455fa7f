"""Connecting to Temporal with the pydantic data converter and the payload codec, updates
bounded in time, and registering Ordino's search attributes where they are missing."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowUpdateInput,
    StartWorkflowUpdateWithStartInput,
    WorkflowUpdateHandle,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import RPCError, RPCStatusCode

from providers.backoff import TEMPORAL, Unavailable
from runtime.payload_codec import data_converter
from settings import Settings
from workflows.search_attributes import ALL

HEALTH_CHECK_TIMEOUT = timedelta(seconds=5)


class _BoundedUpdates(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, timeout: float) -> None:
        super().__init__(next)
        self._timeout = timeout

    async def _bounded(self, update: Awaitable[WorkflowUpdateHandle[Any]]) -> WorkflowUpdateHandle[Any]:
        try:
            async with asyncio.timeout(self._timeout):
                return await update
        except TimeoutError as err:
            raise WorkflowUpdateRPCTimeoutOrCancelledError() from err

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        return await self._bounded(self.next.start_workflow_update(input))

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> WorkflowUpdateHandle[Any]:
        return await self._bounded(self.next.start_update_with_start_workflow(input))


class UpdateDeadline(Interceptor):
    """Every update gives up after the timeout, with the error the SDK raises when an
    update's RPC times out, instead of waiting forever for a worker or a server that is gone."""

    def __init__(self, timeout: timedelta) -> None:
        self._timeout = timeout.total_seconds()

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _BoundedUpdates(next, self._timeout)


@functools.cache
def runtime(metrics: str | None = None) -> Runtime:
    """One runtime per process (and per metrics address): with an address, the SDK serves
    its worker metrics, and those recorded through its metric meter, there for Prometheus."""
    # The SDK's core warns on every retried call while the server is down; the processes
    # log an outage once themselves (providers.backoff), so those warnings are left out.
    quiet = (
        TelemetryFilter(core_level="WARN", other_level="ERROR").formatted()
        + ",temporalio_client::retry=error"
    )
    # Core's own lines go through Python's logging, so they are rendered (and named) alike.
    forwarded = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    exporter = PrometheusConfig(bind_address=metrics) if metrics else None
    return Runtime(
        telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet, forwarding=forwarded), metrics=exporter)
    )


async def connect(settings: Settings, lazy: bool = False, metrics: str | None = None) -> Client:
    """A client of Ordino's namespace, encrypting what it sends. Lazy: connected at its first
    call, so the API starts, and answers 503, while Temporal is down. Metrics: see runtime().
    Without codec keys: MissingSecret, before anything is connected."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        interceptors=[UpdateDeadline(settings.update_timeout)],
        runtime=runtime(metrics),
        lazy=lazy,
    )


async def check_health(client: Client, timeout: timedelta = HEALTH_CHECK_TIMEOUT) -> None:
    """Raise Unavailable unless the Temporal server answers that it serves. Any failed
    health check is an outage to wait out: a call that gets no answer in time comes back as
    DEADLINE_EXCEEDED or, from the SDK's core under load, CANCELLED, and neither may stop
    the worker."""
    try:
        serving = await client.service_client.check_health(timeout=timeout)
    except RPCError as err:
        raise Unavailable(TEMPORAL, f"health check failed: {err.status.name.lower()}") from err
    if not serving:
        raise Unavailable(TEMPORAL, "the server answers but does not serve")


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        existing = set(listed.custom_attributes)
    except RPCError as err:
        if err.status is not RPCStatusCode.UNIMPLEMENTED:  # the time-skipping test server
            raise
        existing = set()
    missing = {
        key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for key in ALL if key.name not in existing
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )


def dev_server_flags() -> list[str]:
    """Flags that register the search attributes on `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}=Keyword"]
    return flags
