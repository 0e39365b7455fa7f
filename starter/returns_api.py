"""Returns over HTTP. Requesting one is an update of the order's workflow (which checks the
return window and the quantities); approving and receiving are updates of the return's
own workflow. Each happens whole, or is refused with a code and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from db import order_views
from db import return_views as views
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Contract, workflow_id_for
from domain.returns import Actor, Decision, Note, ReceiveReturn, ReturnRequest
from starter.intake import business_error
from starter.services import Services, Svc
from workflows.order import OrderWorkflow
from workflows.returns import ReturnWorkflow, return_workflow_id

router = APIRouter(tags=["returns"])
T = TypeVar("T")


async def _updated(call: Callable[[], Awaitable[T]], closed: OrdinoError) -> T:
    try:
        return await call()
    except WorkflowUpdateFailedError as err:
        raise business_error(err) from err
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise closed from err
        raise


async def _view(svc: Services, return_id: str) -> views.ReturnView:
    def read() -> views.ReturnView | None:
        with svc.db.reader() as s:
            return views.return_view(s, return_id)

    found = await run_in_threadpool(read)
    if found is None:
        raise OrdinoError(ErrorCode.RETURN_NOT_FOUND, f"No return {return_id}", {"return_id": return_id})
    return found


@router.post("/orders/{order_id}/returns", status_code=201, response_model=views.ReturnView)
async def request_return(order_id: str, body: ReturnRequest, svc: Svc) -> views.ReturnView:
    """Lines and quantities to send back, each with a reason; `resolution` refund or
    exchange (`exchange_sku` for another product). Only after delivery and within the
    channel's return window; the reference makes it idempotent."""

    def exists() -> bool:
        with svc.db.reader() as s:
            return order_views.order_exists(s, order_id)

    if not await run_in_threadpool(exists):
        raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")
    handle = svc.client.get_workflow_handle(workflow_id_for(order_id))
    closed = OrdinoError(
        ErrorCode.RETURN_WINDOW_CLOSED, f"Order {order_id} is closed: its return window is over"
    )
    return_id: str = await _updated(
        lambda: handle.execute_update(
            OrderWorkflow.request_return, body, id=f"return:{body.reference}", result_type=str
        ),
        closed,
    )
    return await _view(svc, return_id)


@router.get("/orders/{order_id}/returns", response_model=list[views.ReturnView])
async def returns_of_order(order_id: str, svc: Svc) -> list[views.ReturnView]:
    def read() -> list[views.ReturnView]:
        with svc.db.reader() as s:
            return views.returns_of(s, order_id)

    return await run_in_threadpool(read)


@router.get("/returns", response_model=list[views.ReturnView])
async def open_returns(svc: Svc, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[views.ReturnView]:
    """Returns waiting for support: a decision, or their parcel."""

    def read() -> list[views.ReturnView]:
        with svc.db.reader() as s:
            return views.open_returns(s, limit)

    return await run_in_threadpool(read)


@router.get("/returns/{return_id}", response_model=views.ReturnView)
async def get_return(return_id: str, svc: Svc) -> views.ReturnView:
    return await _view(svc, return_id)


class DecisionBody(Contract):
    reason: Note | None = None
    actor: Actor = "support"


async def _decide(svc: Services, return_id: str, decision: Decision) -> views.ReturnView:
    before = await _view(svc, return_id)
    handle = svc.client.get_workflow_handle(return_workflow_id(return_id))
    closed = OrdinoError(ErrorCode.ILLEGAL_TRANSITION, f"Return {return_id} is {before.status}")
    await _updated(lambda: handle.execute_update(ReturnWorkflow.decide, decision), closed)
    return await _view(svc, return_id)


@router.post("/returns/{return_id}/approve", response_model=views.ReturnView)
async def approve(return_id: str, body: DecisionBody, svc: Svc) -> views.ReturnView:
    """Approve a return the rules left to support; the customer gets a return label."""
    return await _decide(svc, return_id, Decision(approve=True, reason=body.reason, actor=body.actor))


@router.post("/returns/{return_id}/reject", response_model=views.ReturnView)
async def reject(return_id: str, body: DecisionBody, svc: Svc) -> views.ReturnView:
    return await _decide(svc, return_id, Decision(approve=False, reason=body.reason, actor=body.actor))


@router.post("/returns/{return_id}/receive", response_model=views.ReturnView)
async def receive(return_id: str, body: ReceiveReturn, svc: Svc) -> views.ReturnView:
    """The warehouse books the parcel in, with an inspection outcome per item; answers once
    the refund or the replacement is done."""
    before = await _view(svc, return_id)
    handle = svc.client.get_workflow_handle(return_workflow_id(return_id))
    closed = OrdinoError(ErrorCode.ILLEGAL_TRANSITION, f"Return {return_id} is {before.status}")
    outcome: Any = await _updated(lambda: handle.execute_update(ReturnWorkflow.receive, body), closed)
    assert outcome is not None
    return await _view(svc, return_id)
