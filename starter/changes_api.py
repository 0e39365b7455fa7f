"""Edits and cancellations over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Response

from domain.changes import Cancellation, CancellationOutcome, ChangeOutcome, OrderChange
from starter import changes
from starter.services import Svc

router = APIRouter(tags=["changes"])


@router.post("/orders/{order_id}/changes", status_code=201, response_model=ChangeOutcome)
async def change(order_id: str, body: OrderChange, svc: Svc, response: Response) -> ChangeOutcome:
    """Change the shipping address, quantities or lines (a new SKU adds one, quantity 0
    removes one) while no parcel is packed. Priced as when the order was placed; a larger
    total takes a new authorization first. `preview: true` answers the new totals, the stock
    and the payment effect (200) and changes nothing. The reference makes it idempotent."""
    outcome = await changes.change(svc.client, svc.db, order_id, body)
    if not outcome.applied:
        response.status_code = 200
    return outcome


@router.post("/orders/{order_id}/cancellations", status_code=201, response_model=CancellationOutcome)
async def cancel(order_id: str, body: Cancellation, svc: Svc) -> CancellationOutcome:
    """Cancel the whole order (no `lines`) at any stage before delivery: stock released, the
    authorization voided or the capture refunded with credit notes, parcels not yet picked up
    cancelled and the others recalled. With `lines`, cancel some units while nothing is
    packed. A reason is required; the audit trail records who and why."""
    return await changes.cancel(svc.client, svc.db, order_id, body)
