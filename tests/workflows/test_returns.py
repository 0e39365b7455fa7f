"""The return workflow on the time-skipping server: approval by rules or by support, the
label, inspection at the warehouse, refunds with credit notes, exchanges, and deadlines."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from contracts.ids import return_workflow_id
from db.models import CreditNote, Invoice, Payment, ReturnLineRow, ReturnRow, StockMovement
from domain.orders import AcceptedOrder, OrderOutcome, PlaceOrder
from domain.returns import Decision, ReceiveReturn, ReturnRequest, ReturnStatus
from domain.status import OrderStatus
from domain.tracking import TrackingStatus
from tests.support.bodies import order_body
from tests.support.histories import record_history
from tests.support.workflow_orders import (
    accept,
    start_order,
    stock_of,
    tracking,
    wait_for_parcels,
)
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow
from workflows.search_attributes import CUSTOMER_ID, ORDER_ID, RETURN_STATUS


class Delivered:
    """An order that reached its customer, inside its return window."""

    def __init__(self, env, handle: WorkflowHandle, accepted: AcceptedOrder) -> None:
        self.env, self.handle, self.accepted = env, handle, accepted
        self.order_id = accepted.order_id

    async def request(self, body: dict, reference: str = "RMA-1") -> WorkflowHandle:
        request = ReturnRequest.model_validate({"reference": reference} | body)
        return_id = await self.handle.execute_update(OrderWorkflow.request_return, request, id=reference)
        return self.env[0].client.get_workflow_handle_for(ReturnWorkflow.run, return_workflow_id(return_id))

    async def completes(self) -> OrderOutcome:
        return await self.handle.result()


async def delivered(env, lines: list[tuple[str, int]], **start: object) -> Delivered:
    request = PlaceOrder.model_validate(order_body(lines))
    handle = await start_order(env, request, return_window=timedelta(days=14), start_overrides=start)
    accepted = await accept(handle, request, id="accept")
    for tn in await wait_for_parcels(handle):
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    await reaches(handle, OrderStatus.DELIVERED)
    return Delivered(env, handle, accepted)


async def reaches(handle: WorkflowHandle, status: OrderStatus) -> None:
    for _ in range(200):
        if (await handle.query(OrderWorkflow.progress)).status is status:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the order did not become {status}")


def receipt(*items: tuple[str, int, str]) -> ReceiveReturn:
    return ReceiveReturn.model_validate(
        {"warehouse": "MIL", "items": [{"sku": s, "quantity": q, "outcome": o} for s, q, o in items]}
    )


def credit_notes(db, order_id: str) -> list[Decimal]:
    with db.reader() as s:
        return list(s.scalars(select(CreditNote.grand_total).where(CreditNote.order_id == order_id)))


async def test_a_return_approved_by_the_rules_is_restocked_written_off_and_refunded(env, db, catalog):
    sku = catalog({"MIL": 5}, price="10.00")
    order = await delivered(env, [(sku, 3)])
    handle = await order.request({"lines": [{"sku": sku, "quantity": 2, "reason": "damaged"}]})
    outcome = await handle.execute_update(
        ReturnWorkflow.receive, receipt((sku, 1, "resellable"), (sku, 1, "damaged"))
    )
    # Arrived damaged and returned for that reason: both units are refunded, one is restocked.
    assert (outcome.status, outcome.accepted, outcome.refunded) == (
        ReturnStatus.CLOSED,
        {sku: 2},
        Decimal("20.00"),
    )
    assert credit_notes(db, order.order_id) == [Decimal("20.00")]
    assert stock_of(db, sku) == {"MIL": (3, 0)}  # 5 - 3 shipped + 1 back on the shelf
    with db.reader() as s:
        kinds = s.scalars(
            select(StockMovement.kind).where(StockMovement.sku == sku).order_by(StockMovement.id)
        ).all()
        row = s.get(ReturnRow, outcome.return_id)
    assert kinds[-3:] == ["return", "return", "write_off"]
    assert row is not None and row.status == "closed" and row.label_tracking_number.startswith("RSBX")
    assert (await order.completes()).status is OrderStatus.COMPLETED

    # Ops find the return in the Web UI by its order, customer and status, as they find orders.
    await handle.result()
    desc = await handle.describe()
    attributes = desc.typed_search_attributes
    assert (attributes.get(ORDER_ID), attributes.get(CUSTOMER_ID), attributes.get(RETURN_STATUS)) == (
        order.order_id,
        "cust-42",
        "closed",
    )
    assert await desc.static_summary() == (
        f"Return {outcome.return_id} of order {order.order_id}: 2 item(s) for refund, worth 20.00 EUR"
    )
    await record_history(order.handle, "order_returned")
    await record_history(handle, "return_refunded")


async def test_support_decides_and_only_sellable_goods_are_refunded_for_a_change_of_mind(env, db, catalog):
    sku = catalog({"MIL": 5}, price="10.00")
    order = await delivered(env, [(sku, 2)], return_auto_approve_limit=Decimal(0))
    handle = await order.request({"lines": [{"sku": sku, "quantity": 2, "reason": "changed_mind"}]})
    with pytest.raises(WorkflowUpdateFailedError) as early:
        await handle.execute_update(ReturnWorkflow.receive, receipt((sku, 2, "resellable")))
    assert early.value.cause.type == "illegal_transition"
    assert await handle.execute_update(ReturnWorkflow.decide, Decision(approve=True)) is ReturnStatus.APPROVED
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await handle.execute_update(ReturnWorkflow.decide, Decision(approve=False))
    assert twice.value.cause.type == "illegal_transition"
    with pytest.raises(WorkflowUpdateFailedError) as too_many:
        await handle.execute_update(ReturnWorkflow.receive, receipt((sku, 3, "resellable")))
    assert too_many.value.cause.type == "return_mismatch"

    outcome = await handle.execute_update(
        ReturnWorkflow.receive, receipt((sku, 1, "resellable"), (sku, 1, "damaged"))
    )
    # The customer damaged one: it is written off and not refunded. The whole order did not
    # come back (not all of it was accepted), so the shipping stays paid.
    assert (outcome.accepted, outcome.refunded) == ({sku: 1}, Decimal("10.00"))
    with db.reader() as s:
        line = s.scalars(select(ReturnLineRow).where(ReturnLineRow.return_id == outcome.return_id)).one()
    assert (line.resellable, line.damaged, line.accepted) == (1, 1, 1)
    await order.completes()


async def test_refusals_say_why_and_the_order_waits_for_its_returns(env, db, catalog):
    sku = catalog({"MIL": 5})
    order = await delivered(env, [(sku, 2)], return_auto_approve_limit=Decimal(0))
    lines = {"lines": [{"sku": sku, "quantity": 1, "reason": "changed_mind"}]}
    for body, code in [
        ({"lines": [{"sku": sku, "quantity": 3, "reason": "damaged"}]}, "quantity_exceeds_returnable"),
        ({"lines": [{"sku": "NOT-OURS", "quantity": 1, "reason": "damaged"}]}, "not_in_order"),
    ]:
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await order.request(body, reference="RMA-X")
        assert refused.value.cause.type == code

    rejected = await order.request(lines)
    await rejected.execute_update(ReturnWorkflow.decide, Decision(approve=False, reason="used item"))
    assert (await rejected.result()).status is ReturnStatus.REJECTED

    # Approved, but the parcel never comes: the order waits past its window for the return.
    lost = await order.request(
        {"lines": [{"sku": sku, "quantity": 2, "reason": "damaged"}]}, reference="RMA-2"
    )
    before = await env[0].get_current_time()
    assert (await order.completes()).status is OrderStatus.COMPLETED
    assert await env[0].get_current_time() - before >= timedelta(days=30)  # the receipt deadline, not 14 days
    outcome = await lost.result()
    assert outcome.status is ReturnStatus.EXPIRED and outcome.refunded == 0
    assert credit_notes(db, order.order_id) == []


async def test_no_return_before_delivery_or_after_the_window(env, catalog):
    sku = catalog({"MIL": 5})
    request = PlaceOrder.model_validate(order_body([(sku, 2)]))
    handle = await start_order(env, request, return_window=timedelta(days=14))
    accepted = await accept(handle, request, id="accept")
    order = Delivered(env, handle, accepted)
    damaged = {"lines": [{"sku": sku, "quantity": 1, "reason": "damaged"}]}
    [tn] = await wait_for_parcels(handle)
    with pytest.raises(WorkflowUpdateFailedError) as early:
        await order.request(damaged)
    assert early.value.cause.type == "not_delivered"

    await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    await reaches(handle, OrderStatus.DELIVERED)
    pending = await order.request(damaged)
    await env[0].sleep(timedelta(days=15))  # the window closes; the open return keeps the order alive
    with pytest.raises(WorkflowUpdateFailedError) as late:
        await order.request(damaged, reference="RMA-2")
    assert late.value.cause.type == "return_window_closed"
    assert (await order.completes()).status is OrderStatus.COMPLETED  # once the return expired
    assert (await pending.result()).status is ReturnStatus.EXPIRED


async def test_the_whole_order_back_refunds_the_shipping_too(env, db, catalog):
    a, b = catalog({"MIL": 5}, price="10.00"), catalog({"MIL": 5}, price="3.33")
    order = await delivered(env, [(a, 1), (b, 3)])
    first = await order.request({"lines": [{"sku": b, "quantity": 1, "reason": "wrong_item"}]})
    one = await first.execute_update(ReturnWorkflow.receive, receipt((b, 1, "resellable")))
    rest = await order.request(
        {
            "lines": [
                {"sku": a, "quantity": 1, "reason": "wrong_item"},
                {"sku": b, "quantity": 2, "reason": "wrong_item"},
            ]
        },
        reference="RMA-2",
    )
    two = await rest.execute_update(
        ReturnWorkflow.receive, receipt((a, 1, "resellable"), (b, 2, "resellable"))
    )
    # 3.33 + (10.00 + 6.66) + 4.90 shipping: every cent the customer paid, no more.
    assert one.refunded + two.refunded == order.accepted.quote.grand_total == Decimal("24.89")
    await order.completes()


async def test_exchanges_ship_a_replacement_and_settle_the_difference(env, db, catalog):
    cheap, dear, same = (catalog({"MIL": 5}, price=p) for p in ("10.00", "25.00", "8.00"))
    order = await delivered(env, [(cheap, 1), (same, 1)])
    swap = {"resolution": "exchange", "lines": [
        {"sku": cheap, "quantity": 1, "reason": "changed_mind", "exchange_sku": dear},
        {"sku": same, "quantity": 1, "reason": "damaged"}]}  # fmt: skip
    handle = await order.request(swap)
    outcome = await handle.execute_update(
        ReturnWorkflow.receive, receipt((cheap, 1, "resellable"), (same, 1, "damaged"))
    )
    # The dearer product costs 15.00 more; the damaged one is replaced like for like.
    assert (outcome.charged, outcome.refunded) == (Decimal("15.00"), Decimal(0))
    with db.reader() as s:
        invoices = s.scalars(select(Invoice).where(Invoice.order_id == order.order_id)).all()
        captures = s.scalars(
            select(Payment.amount).where(Payment.order_id == order.order_id, Payment.operation == "capture")
        ).all()
    assert sorted(i.grand_total for i in invoices) == [Decimal("15.00"), Decimal("22.90")]
    assert sum(captures) == sum(i.grand_total for i in invoices)  # every capture invoiced, to the cent
    assert stock_of(db, dear) == {"MIL": (4, 0)}  # the replacement left the warehouse
    assert stock_of(db, same) == {"MIL": (3, 0)}  # one sold, one written off, one replacement sent
    await order.completes()
    await record_history(handle, "return_exchanged")

    pricey = await delivered(env, [(dear, 1)])
    line = {"sku": dear, "quantity": 1, "reason": "changed_mind", "exchange_sku": cheap}
    back = await pricey.request({"resolution": "exchange", "lines": [line]})
    cheaper = await back.execute_update(ReturnWorkflow.receive, receipt((dear, 1, "resellable")))
    assert (cheaper.charged, cheaper.refunded) == (Decimal(0), Decimal("15.00"))
    assert credit_notes(db, pricey.order_id) == [Decimal("15.00")]
    await pricey.completes()


async def test_a_wrong_receipt_is_refused_and_the_return_still_waits(env, db, catalog):
    sku = catalog({"MIL": 5}, price="10.00")
    order = await delivered(env, [(sku, 1)])
    handle = await order.request({"lines": [{"sku": sku, "quantity": 1, "reason": "damaged"}]})
    wrong = ReceiveReturn.model_validate(
        {"warehouse": "NOPE", "items": [{"sku": sku, "quantity": 1, "outcome": "resellable"}]}
    )
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(ReturnWorkflow.receive, wrong)
    assert err.value.cause.type == "unknown_warehouse"
    outcome = await handle.execute_update(ReturnWorkflow.receive, receipt((sku, 1, "resellable")))
    assert outcome.refunded == Decimal("14.90")  # the whole order back: shipping too
    await order.completes()


async def test_shipping_comes_back_only_with_everything_the_customer_had(env, db, catalog):
    sku = catalog({"MIL": 5}, price="10.00")
    order = await delivered(env, [(sku, 2)], return_auto_approve_limit=Decimal(0))
    line = {"lines": [{"sku": sku, "quantity": 1, "reason": "changed_mind"}]}
    refused = await order.request(line)
    await refused.execute_update(ReturnWorkflow.decide, Decision(approve=False, reason="worn"))
    second = await order.request(line, reference="RMA-2")
    await second.execute_update(ReturnWorkflow.decide, Decision(approve=True))
    outcome = await second.execute_update(ReturnWorkflow.receive, receipt((sku, 1, "resellable")))
    assert outcome.refunded == Decimal("10.00")  # the customer kept one unit: shipping stays paid
    await order.completes()


async def test_an_exchange_without_stock_for_the_replacement_is_refunded(env, db, catalog):
    old, new = catalog({"MIL": 5}, price="10.00"), catalog({"BER": 0}, price="10.00")
    order = await delivered(env, [(old, 1)])
    line = {"sku": old, "quantity": 1, "reason": "changed_mind", "exchange_sku": new}
    handle = await order.request({"resolution": "exchange", "lines": [line]})
    outcome = await handle.execute_update(ReturnWorkflow.receive, receipt((old, 1, "resellable")))
    assert (outcome.status, outcome.refunded, outcome.reason) == (
        ReturnStatus.CLOSED, Decimal("14.90"), "replacement out of stock"
    )  # fmt: skip
    await order.completes()
