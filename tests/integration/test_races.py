"""Races with the carrier on a real Temporal server: a tracking event that arrives while a
cancellation's workflow task is in flight, a worker that dies in the middle of a cancellation
while the parcel comes back, a delivery queued while no worker ran, and a worker that dies
once a goodwill refund's mail went out. Each order ends cancelled or delivered, never as a
failed workflow, with its books straight."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from contracts.ids import order_workflow_id, refund_update_id
from contracts.refunds import RefundOutcome
from db import returned_parcels
from db.models import CreditNote, CustomerNotification, Payment, Shipment
from domain.changes import Cancellation
from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.orders import AcceptedOrder, PlaceOrder, RefundRequest
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from runtime.temporal_client import runtime
from starter.http.app import create_app
from starter.http.dependencies import Services
from starter.operations import changes
from starter.operations.updates import updated
from tests.support.bodies import order_body
from tests.support.codec import suite_converter
from tests.support.faults import Faults
from tests.support.keys import api_client
from tests.support.metrics import scrape, total
from tests.support.ports import free_port
from tests.support.workflow_orders import accept, start_order, stock_of, tracking, wait_for_parcels
from worker import build_worker
from workflows.order import STEPS_PARKED, OrderWorkflow


@pytest.fixture
async def racing(dev_env, db, settings):
    """A worker on a task queue of the test's own, with faults the test arms."""
    faults = Faults()
    task_queue = f"races-{uuid.uuid4().hex[:6]}"
    fast = settings.model_copy(update={"carrier_step_delay": timedelta(0)})
    async with build_worker(dev_env.client, db, fast, task_queue=task_queue, interceptors=[faults]):
        yield (dev_env, task_queue, db), faults


async def placed(env, sku: str) -> tuple[WorkflowHandle, AcceptedOrder]:
    """An accepted order of one unit that closes as soon as it is delivered (real timers)."""
    request = PlaceOrder.model_validate(order_body([(sku, 1)]))
    quick = {"feedback_delay": timedelta(0)}
    handle = await start_order(env, request, return_window=timedelta(0), start_overrides=quick)
    return handle, await accept(handle, request, id="accept")


async def cancel_as_a_channel_would(client, db, order_id: str, cancellation: Cancellation):
    """Cancel through what the API and the CLI call, sending it again while the answer is a
    retryable 503 (its workflow task was thrown away): a cancellation that took effect is
    always answered as one, even once the order has closed."""
    for _ in range(50):
        try:
            return await changes.cancel(client, db, order_id, cancellation)
        except OrdinoError as err:
            assert HTTP_STATUS[err.code] == 503, err
            await asyncio.sleep(0.1)
    raise AssertionError("the cancellation was never answered")


async def until(handle, ok, tries: int = 200):
    for _ in range(tries):
        progress = await handle.query(OrderWorkflow.progress)
        if ok(progress):
            return progress
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached: {progress}")


def credited(db, order_id: str) -> Decimal:
    with db.reader() as s:
        return s.scalar(
            select(func.coalesce(func.sum(CreditNote.grand_total), 0)).where(CreditNote.order_id == order_id)
        )


def parcel_status(db, tn: str) -> str:
    with db.reader() as s:
        return s.scalar(select(Shipment.status).where(Shipment.tracking_number == tn))


def mails(db, order_id: str, kind: str) -> int:
    with db.reader() as s:
        return s.scalar(
            select(func.count()).where(
                CustomerNotification.order_id == order_id, CustomerNotification.kind == kind
            )
        )


async def test_a_pickup_during_a_cancellation_does_not_fail_the_order(racing, db, catalog):
    """The carrier picks the parcel up while the cancellation's steps run: the task that
    cancelled is rejected for the new event, and the next one hears the pickup of an order the
    database already has cancelled."""
    env, faults = racing
    a = catalog({"MIL": 2})
    handle, accepted = await placed(env, a)
    (tn,) = await wait_for_parcels(handle)

    async def picked_up(notice) -> bool:
        if notice.kind != "order_cancelled":
            return False
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 0, TrackingStatus.PICKED_UP))
        return True

    faults.after[(accepted.order_id, "notify_customer")] = picked_up
    outcome = await cancel_as_a_channel_would(
        env[0].client, db, accepted.order_id, Cancellation(reference="C-race", reason="changed their mind")
    )
    assert outcome.status is OrderStatus.CANCELLED and outcome.refunded == accepted.quote.grand_total
    result = await handle.result()
    assert result.status is OrderStatus.CANCELLED and result.reason == "changed their mind"
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED
    assert (accepted.order_id, "notify_customer") not in faults.after  # the event did race
    assert credited(db, accepted.order_id) == accepted.quote.grand_total
    assert parcel_status(db, tn) == "cancelled"
    assert mails(db, accepted.order_id, "order_cancelled") == 1
    assert stock_of(db, a) == {"MIL": (2, 0)}


async def test_a_crash_mid_cancellation_while_the_parcel_comes_back(racing, db, catalog):
    """The recall is sent and the worker dies before its task is saved; meanwhile the carrier
    brings the parcel back. The next attempt finds nothing left to stop and finishes the
    cancellation: refunded once, the units back once, the customer told once."""
    env, faults = racing
    a = catalog({"MIL": 2})
    handle, accepted = await placed(env, a)
    (tn,) = await wait_for_parcels(handle)
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 0, TrackingStatus.PICKED_UP))
    await until(handle, lambda p: p.parcels.get(tn) == TrackingStatus.PICKED_UP)

    async def comes_back(_) -> bool:
        with db.transaction() as s:
            returned_parcels.parcel_back(s, tn, datetime.now(UTC))
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 5, TrackingStatus.RETURNED_TO_SENDER))
        return True

    faults.after[(accepted.order_id, "stop_parcel")] = comes_back
    faults.crashes.add((accepted.order_id, "stop_parcel"))
    outcome = await cancel_as_a_channel_would(
        env[0].client, db, accepted.order_id, Cancellation(reference="C-crash", reason="fraud suspected")
    )
    assert faults.crashed == [(accepted.order_id, "stop_parcel")]
    assert outcome.status is OrderStatus.CANCELLED and outcome.refunded == accepted.quote.grand_total
    assert (await handle.result()).status is OrderStatus.CANCELLED
    assert credited(db, accepted.order_id) == accepted.quote.grand_total
    assert parcel_status(db, tn) == "returned_to_sender"
    assert mails(db, accepted.order_id, "order_cancelled") == 1
    assert mails(db, accepted.order_id, "parcel_shipped") == 1  # nothing sent again
    assert stock_of(db, a) == {"MIL": (2, 0)}


async def test_a_crash_after_a_goodwill_refunds_mail_refunds_and_mails_once(racing, db, catalog, mail_sink):
    """The worker dies once the refund is made and its mail went out, before the task is saved:
    the update runs again (or support is told to send it again, `update_lost`) and finds the
    same refund and the same mail; the customer has one mail, one credit note."""
    env, faults = racing
    handle, accepted = await placed(env, catalog({"MIL": 2}, price="20.00"))
    order_id = accepted.order_id
    (tn,) = await wait_for_parcels(handle)
    for _ in range(100):  # the parcel's own mail first: the crash is for the refund's
        if mails(db, order_id, "parcel_shipped"):
            break
        await asyncio.sleep(0.05)
    faults.crashes.add((order_id, "notify_customer"))
    request = RefundRequest(amount=Decimal("5.00"), reason="scratched box", reference="T-crash")
    for _ in range(50):
        try:
            outcome = await updated(
                handle,
                lambda: handle.execute_update(
                    OrderWorkflow.refund,
                    request,
                    id=refund_update_id(request.reference, request.amount),
                    result_type=RefundOutcome,
                ),
                OrdinoError(ErrorCode.ORDER_CLOSED, "closed"),
            )
            break
        except OrdinoError as err:
            assert HTTP_STATUS[err.code] == 503, err
            await asyncio.sleep(0.1)
    assert faults.crashed == [(order_id, "notify_customer")]
    assert outcome.refunded == Decimal("5.00") and len(outcome.credit_notes) == 1
    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    assert (await handle.result()).status is OrderStatus.COMPLETED
    with db.reader() as s:
        refunds = s.scalar(
            select(func.count()).where(Payment.order_id == order_id, Payment.operation == "refund")
        )
    assert refunds == 1 and credited(db, order_id) == Decimal("5.00")
    assert mails(db, order_id, "goodwill_refund") == 1
    got = [m for m in mail_sink.for_order(order_id) if "refunded 5.00" in str(m["Subject"])]
    assert len(got) == 1 and outcome.credit_notes[0] in got[0].get_content()


async def test_a_delivery_queued_before_a_cancellation_wins(dev_env, db, settings, catalog):
    """Out for delivery and delivered reached the order while no worker ran; the cancellation
    came after them. The order hears the carrier first: delivered, and the cancellation refused
    so that the customer can return the goods instead."""
    task_queue = f"races-{uuid.uuid4().hex[:6]}"
    env = (dev_env, task_queue, db)
    a = catalog({"MIL": 2})
    async with build_worker(dev_env.client, db, settings, task_queue=task_queue):
        handle, accepted = await placed(env, a)
        (tn,) = await wait_for_parcels(handle)
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 0, TrackingStatus.PICKED_UP))
        await until(handle, lambda p: p.parcels.get(tn) == TrackingStatus.PICKED_UP)
    for n, status in ((1, TrackingStatus.OUT_FOR_DELIVERY), (2, TrackingStatus.DELIVERED)):
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, n, status))
    cancel = asyncio.create_task(
        handle.execute_update(OrderWorkflow.cancel, Cancellation(reference="C-late", reason="too slow"))
    )
    await asyncio.sleep(0.3)  # the update waits for a worker, behind the queued events
    async with build_worker(dev_env.client, db, settings, task_queue=task_queue):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await cancel
        assert refused.value.cause.type == "already_delivered"
        assert (await handle.result()).status is OrderStatus.COMPLETED
    assert parcel_status(db, tn) == "delivered"
    assert credited(db, accepted.order_id) == 0


async def test_support_sees_a_parked_step_and_retries_it(dev_env, db, settings, catalog, ordino):
    """A step that fails for good parks the order: support finds the alert, and a retry over
    HTTP (or `ordino orders retry`) runs the step again once its cause is fixed."""
    faults = Faults()
    quick = settings.model_copy(
        update={"task_queue": f"races-{uuid.uuid4().hex[:6]}", "return_window": timedelta(0)}
    )
    app = create_app(quick, Services(quick, dev_env.client, db))
    body = order_body([(catalog({"MIL": 1}), 1)])
    order_id = PlaceOrder.model_validate(body).order_id
    for step, why, code in (
        ("capture_payment", "gateway says no", "no_capture"),
        ("issue_invoice", "printer on fire", "illegal_transition"),
    ):
        faults.fail(order_id, step, ApplicationError(why, type=code, non_retryable=True))
    # The worker's metrics, as ORDINO_WORKER_METRICS serves them, count each parked step.
    metrics = f"127.0.0.1:{free_port()}"
    with_metrics = await Client.connect(
        dev_env.client.service_client.config.target_host,
        data_converter=suite_converter(),
        runtime=runtime(metrics),
    )
    async with (
        build_worker(with_metrics, db, quick, interceptors=[faults]),
        api_client(app, db) as api,
    ):
        assert (await api.post("/orders", json=body)).status_code == 201
        handle = dev_env.client.get_workflow_handle(order_workflow_id(order_id))
        await until(handle, lambda p: p.parked is not None)  # packed by the sandbox warehouse
        alerts = (await api.get("/support/alerts")).json()
        mine = [a for a in alerts if a["order_id"] == order_id]
        assert [a["kind"] for a in mine] == ["step_parked"] and "gateway says no" in mine[0]["message"]
        retried = await api.post(f"/orders/{order_id}/retry", json={})
        assert retried.status_code == 200 and retried.json()["step"] == "capture_payment: gateway says no"
        await until(handle, lambda p: p.parked is not None and p.parked.startswith("issue_invoice"))
        result = await asyncio.to_thread(ordino, "orders", "retry", order_id)
        assert result.exit_code == 0 and "issue_invoice" in result.output
        progress = await until(handle, lambda p: bool(p.parcels))
        assert progress.parked is None and progress.invoice_number
        # Both steps went through on their retry: support has nothing left to look at.
        alerts = (await api.get("/support/alerts", params={"limit": 200})).json()
        assert [a for a in alerts if a["order_id"] == order_id] == []
        timeline = (await api.get(f"/orders/{order_id}")).json()["timeline"]
        resolved = [e["data"]["kind"] for e in timeline if e["type"] == "alert_resolved"]
        assert resolved == ["step_parked", "step_parked"]
        again = await api.post(f"/orders/{order_id}/retry", json={})
        assert again.status_code == 409 and again.json()["code"] == "not_parked"
        await handle.terminate("test over")
    parked = await scrape(f"http://{metrics}/metrics")
    assert [total(parked, STEPS_PARKED, step=s) for s in ("capture_payment", "issue_invoice")] == [1, 1]
