"""The return workflow on the time-skipping server: approval by rules or by support, the
label, inspection at the warehouse, refunds with credit notes, exchanges, and deadlines."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError

from db.models import CreditNote, Invoice, Payment, ReturnLineRow, ReturnRow, StockMovement
from domain.orders import AcceptedOrder, PlaceOrder
from domain.returns import Decision, ReceiveReturn, ReturnRequest, ReturnStatus
from domain.tracking import TrackingStatus
from tests.orders import order_body
from tests.workflows.test_order_lifecycle import start_order, stock_of, tracking, wait_for_parcels
from workflows.order import OrderWorkflow
from workflows.returns import ReturnStart, ReturnWorkflow


async def delivered(env, lines: list[tuple[str, int]]) -> AcceptedOrder:
    """An order that reached its customer (and, with no return window, completed)."""
    request = PlaceOrder.model_validate(order_body(lines))
    handle = await start_order(env, request, return_window=timedelta(0))
    accepted = await handle.execute_update(OrderWorkflow.accept, request, id="accept")
    for tn in await wait_for_parcels(handle):
        await handle.signal(OrderWorkflow.carrier_event, tracking(tn, 3, TrackingStatus.DELIVERED))
    await handle.result()
    return accepted


async def start_return(env, order: AcceptedOrder, request: dict, *, approved: bool = True, before=None):
    body = ReturnRequest.model_validate({"reference": "RMA-1"} | request)
    return_id = f"{order.order_id}-R{uuid.uuid4().hex[:4]}"
    start = ReturnStart(
        order_id=order.order_id, return_id=return_id, request=body, quote=order.quote,
        ordered={ln.sku: ln.quantity for ln in order.quote.lines}, returned_before=before or {},
        approved_by_rules=approved, value=Decimal(0), payment_token="tok_visa",
        decision_timeout=timedelta(days=7), receipt_timeout=timedelta(days=30),
    )  # fmt: skip
    client, queue = env[0].client, env[1]
    return await client.start_workflow(ReturnWorkflow.run, start, id=f"return-{return_id}", task_queue=queue)


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
    handle = await start_return(env, order, {"lines": [{"sku": sku, "quantity": 2, "reason": "damaged"}]})
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


async def test_support_decides_and_only_sellable_goods_are_refunded_for_a_change_of_mind(env, db, catalog):
    sku = catalog({"MIL": 5}, price="10.00")
    order = await delivered(env, [(sku, 2)])
    handle = await start_return(
        env, order, {"lines": [{"sku": sku, "quantity": 2, "reason": "changed_mind"}]}, approved=False
    )
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
    # come back, so the shipping stays paid.
    assert (outcome.accepted, outcome.refunded) == ({sku: 1}, Decimal("10.00"))
    with db.reader() as s:
        line = s.scalars(select(ReturnLineRow).where(ReturnLineRow.return_id == outcome.return_id)).one()
    assert (line.resellable, line.damaged, line.accepted) == (1, 1, 1)


async def test_a_rejected_return_and_one_that_never_arrives_close_without_money(env, db, catalog):
    sku = catalog({"MIL": 5})
    order = await delivered(env, [(sku, 2)])
    lines = {"lines": [{"sku": sku, "quantity": 1, "reason": "changed_mind"}]}
    rejected = await start_return(env, order, lines, approved=False)
    await rejected.execute_update(ReturnWorkflow.decide, Decision(approve=False, reason="used item"))
    assert (await rejected.result()).status is ReturnStatus.REJECTED

    lost = await start_return(env, order, lines | {"reference": "RMA-2"})
    before = await env[0].get_current_time()
    outcome = await lost.result()  # 30 days pass without a parcel
    assert outcome.status is ReturnStatus.EXPIRED and outcome.refunded == 0
    assert await env[0].get_current_time() - before >= timedelta(days=30)
    assert credit_notes(db, order.order_id) == []


async def test_the_whole_order_back_refunds_the_shipping_too(env, db, catalog):
    a, b = catalog({"MIL": 5}, price="10.00"), catalog({"MIL": 5}, price="3.33")
    order = await delivered(env, [(a, 1), (b, 3)])
    first = await start_return(env, order, {"lines": [{"sku": b, "quantity": 1, "reason": "wrong_item"}]})
    one = await first.execute_update(ReturnWorkflow.receive, receipt((b, 1, "resellable")))
    rest = await start_return(
        env, order,
        {"reference": "RMA-2", "lines": [{"sku": a, "quantity": 1, "reason": "wrong_item"},
                                         {"sku": b, "quantity": 2, "reason": "wrong_item"}]},
        before=one.accepted,
    )  # fmt: skip
    two = await rest.execute_update(
        ReturnWorkflow.receive, receipt((a, 1, "resellable"), (b, 2, "resellable"))
    )
    # 3.33 + (10.00 + 6.66) + 4.90 shipping: every cent the customer paid, no more.
    assert one.refunded + two.refunded == order.quote.grand_total == Decimal("24.89")


async def test_exchanges_ship_a_replacement_and_settle_the_difference(env, db, catalog):
    cheap, dear, same = (catalog({"MIL": 5}, price=p) for p in ("10.00", "25.00", "8.00"))
    order = await delivered(env, [(cheap, 1), (same, 1)])
    swap = {"resolution": "exchange", "lines": [
        {"sku": cheap, "quantity": 1, "reason": "changed_mind", "exchange_sku": dear},
        {"sku": same, "quantity": 1, "reason": "damaged"}]}  # fmt: skip
    handle = await start_return(env, order, swap)
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

    pricey = await delivered(env, [(dear, 1)])
    line = {"sku": dear, "quantity": 1, "reason": "changed_mind", "exchange_sku": cheap}
    down = {"resolution": "exchange", "lines": [line]}
    back = await start_return(env, pricey, down)
    cheaper = await back.execute_update(ReturnWorkflow.receive, receipt((dear, 1, "resellable")))
    assert (cheaper.charged, cheaper.refunded) == (Decimal(0), Decimal("15.00"))
    assert credit_notes(db, pricey.order_id) == [Decimal("15.00")]
