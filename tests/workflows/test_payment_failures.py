"""Payment failure modes on the time-skipping server: whatever the gateway does, an order is
charged at most once and invoiced once."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from db.models import Invoice, SandboxGatewayTransaction
from domain.orders import PlaceOrder
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from tests.orders import order_body
from tests.workflows.test_order_lifecycle import start_order, tracking, wait_for_parcels
from worker import build_worker
from workflows.order import OrderWorkflow


@pytest.fixture
async def env(time_skipping_env, db, settings):
    task_queue = f"orders-{uuid.uuid4().hex[:6]}"
    async with build_worker(time_skipping_env.client, db, settings, task_queue=task_queue):
        yield time_skipping_env, task_queue


def ledger(db, order_id: str) -> list[tuple[str, str]]:
    with db.reader() as s:
        return sorted(
            s.execute(
                select(SandboxGatewayTransaction.operation, SandboxGatewayTransaction.status).where(
                    SandboxGatewayTransaction.idempotency_key.startswith(order_id + ":")
                )
            ).all()
        )


@pytest.mark.parametrize("token", ["tok_timeout", "tok_processing_error"])
async def test_gateway_trouble_never_charges_twice(env, db, catalog, token):
    request = PlaceOrder.model_validate(order_body([(catalog({"MIL": 2}), 1)], payment_token=token))
    handle = await start_order(env, request)
    await handle.execute_update(OrderWorkflow.accept, request, id="accept")
    [tn] = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED

    assert ledger(db, request.order_id) == [("authorize", "approved"), ("capture", "approved")]
    with db.reader() as s:
        assert s.scalar(select(func.count()).where(Invoice.order_id == request.order_id)) == 1


async def test_insufficient_funds_cancels_with_the_reason(env, db, catalog):
    request = PlaceOrder.model_validate(
        order_body([(catalog({"MIL": 2}), 1)], payment_token="tok_insufficient_funds")
    )
    handle = await start_order(env, request)
    await handle.execute_update(OrderWorkflow.accept, request, id="accept")
    outcome = await handle.result()
    assert (outcome.status, outcome.reason) == (OrderStatus.CANCELLED, "payment declined: insufficient_funds")
    assert ledger(db, request.order_id) == [("authorize", "declined")]
