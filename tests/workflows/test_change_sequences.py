"""Random lives of orders: edits and partial cancellations while they are packed, then
returns (refunds and exchanges) after delivery. Whatever happens, the money and the stock
reconcile: every capture is invoiced, refunds never exceed captures, and invoices minus
credit notes are what the customer paid net. (The stock ledger is checked after the test
by the autouse fixture.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from temporalio.client import WorkflowUpdateFailedError

from contracts.ids import return_workflow_id
from db.models import CreditNote, Invoice, Payment
from domain.changes import Cancellation, OrderChange
from domain.orders import PlaceOrder
from domain.returns import ReceiveReturn, ReturnRequest
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from tests.support.bodies import order_body
from tests.support.workflow_orders import accept, start_order, tracking, wait_for_parcels
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow

REASONS = ["damaged", "wrong_item", "changed_mind", "not_as_described"]


def _sum(db, query) -> Decimal:
    with db.reader() as s:
        return s.scalar(query) or Decimal(0)


async def _try(call) -> object | None:
    """Run an update; a refusal is a legitimate outcome of a random step."""
    try:
        return await call
    except WorkflowUpdateFailedError:
        return None


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_random_changes_and_returns_keep_the_books_straight(env, db, catalog, data):
    skus = [catalog({"MIL": 30, "BER": 30}, price=p) for p in data.draw(st.sampled_from([
        ("9.99", "24.50"), ("0.99", "100.00"), ("12.20", "3.33")]))]  # fmt: skip
    quantities = {sku: data.draw(st.integers(1, 3)) for sku in skus}
    request = PlaceOrder.model_validate(order_body(list(quantities.items())))
    handle = await start_order(env, request, return_window=timedelta(days=14))
    await accept(handle, request, id="accept")
    for _ in range(200):
        if (await handle.query(OrderWorkflow.progress)).packing:
            break
        await asyncio.sleep(0.02)

    quantities = await _changes_while_packing(handle, skus, quantities, data)

    for tn in await wait_for_parcels(handle):
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    for _ in range(200):
        if (await handle.query(OrderWorkflow.progress)).status is OrderStatus.DELIVERED:
            break
        await asyncio.sleep(0.02)

    await _returns_after_delivery(env, handle, quantities, data)
    assert (await handle.result()).status is OrderStatus.COMPLETED

    order = request.order_id
    captured = _sum(db, select(func.sum(Payment.amount)).where(
        Payment.order_id == order, Payment.operation == "capture", Payment.status == "approved"))  # fmt: skip
    refunded = _sum(db, select(func.sum(Payment.amount)).where(
        Payment.order_id == order, Payment.operation == "refund", Payment.status == "approved"))  # fmt: skip
    invoiced = _sum(db, select(func.sum(Invoice.grand_total)).where(Invoice.order_id == order))
    credited = _sum(db, select(func.sum(CreditNote.grand_total)).where(CreditNote.order_id == order))
    assert refunded <= captured
    assert invoiced == captured  # every capture invoiced, to the cent
    assert credited == refunded  # every refund on a credit note
    assert invoiced - credited == captured - refunded  # what the customer paid, net


async def _changes_while_packing(handle, skus, quantities, data) -> dict[str, int]:
    """Edits and partial cancellations while packing, some of which the rules refuse;
    answers the units the order holds afterwards."""
    for n in range(data.draw(st.integers(0, 3))):
        if data.draw(st.booleans()):
            wanted = {sku: data.draw(st.integers(0, 4)) for sku in skus}
            body = {"reference": f"E{n}", "lines": [{"sku": k, "quantity": v} for k, v in wanted.items()]}
            outcome = await _try(
                handle.execute_update(OrderWorkflow.change, OrderChange.model_validate(body))
            )
            if outcome is not None:
                quantities = {k: v for k, v in wanted.items() if v}
        else:
            sku = data.draw(st.sampled_from(sorted(quantities)))
            cut = data.draw(st.integers(1, 2))
            cancel = Cancellation(
                reference=f"C{n}", reason="random cut", lines=[{"sku": sku, "quantity": cut}]
            )
            if await _try(handle.execute_update(OrderWorkflow.cancel, cancel)) is not None:
                quantities[sku] -= cut
                quantities = {k: v for k, v in quantities.items() if v}
    return quantities


async def _returns_after_delivery(env, handle, quantities, data) -> None:
    """Returns after delivery, refunded or exchanged like for like."""
    left = dict(quantities)
    for n in range(data.draw(st.integers(0, 2))):
        choices = sorted(k for k, v in left.items() if v)
        if not choices:
            break
        sku = data.draw(st.sampled_from(choices))
        qty = data.draw(st.integers(1, left[sku]))
        resolution = data.draw(st.sampled_from(["refund", "exchange"]))
        reason = data.draw(st.sampled_from(REASONS))
        body = {"reference": f"R{n}", "resolution": resolution,
                "lines": [{"sku": sku, "quantity": qty, "reason": reason}]}  # fmt: skip
        return_id = await handle.execute_update(
            OrderWorkflow.request_return, ReturnRequest.model_validate(body)
        )
        left[sku] -= qty
        child = env[0].client.get_workflow_handle_for(ReturnWorkflow.run, return_workflow_id(return_id))
        status = await child.query(ReturnWorkflow.status)
        if status.value == "requested":
            await child.execute_update(ReturnWorkflow.decide, {"approve": True})
        outcome = data.draw(st.sampled_from(["resellable", "damaged"]))
        receipt = ReceiveReturn.model_validate(
            {"warehouse": "MIL", "items": [{"sku": sku, "quantity": qty, "outcome": outcome}]}
        )
        await child.execute_update(ReturnWorkflow.receive, receipt)
