"""Shipping commands shared by the API and the CLI, each an update of the order's workflow:
a warehouse confirms it packed its parcel, support corrects the address a carrier refused,
or runs a parked step again once its cause is fixed."""

from __future__ import annotations

import uuid

from temporalio.client import Client

from contracts.fulfillment import ParcelPacked
from contracts.ids import address_update_id, packed_update_id
from db.engine import Database
from domain.errors import ErrorCode, OrdinoError
from domain.orders import AddressCorrection, PackConfirmation
from starter.operations.updates import update_order
from workflows.order import OrderWorkflow


def _closed(order_id: str) -> OrdinoError:
    return OrdinoError(ErrorCode.ORDER_CLOSED, f"Order {order_id} is closed")


async def confirm_packed(
    client: Client, db: Database, order_id: str, confirmation: PackConfirmation
) -> ParcelPacked:
    """Idempotent per warehouse: its parcel is packed once. Answers the parcel's weight."""
    packed: ParcelPacked = await update_order(
        client, db, order_id, OrderWorkflow.confirm_packed, confirmation, _closed(order_id),
        update_id=packed_update_id(confirmation.warehouse), result_type=ParcelPacked,
    )  # fmt: skip
    return packed


async def correct_address(client: Client, db: Database, order_id: str, correction: AddressCorrection) -> None:
    # The same correction sent again is the same update.
    update_id = address_update_id(correction.model_dump_json())
    await update_order(
        client, db, order_id, OrderWorkflow.correct_address, correction, _closed(order_id),
        update_id=update_id,
    )  # fmt: skip


async def retry_parked(client: Client, db: Database, order_id: str, actor: str) -> str:
    """The step the order runs again. Every retry is asked for anew, so each gets its own id."""
    step: str = await update_order(
        client, db, order_id, OrderWorkflow.retry_parked, actor, _closed(order_id),
        update_id=f"retry-{uuid.uuid4().hex}", result_type=str,
    )  # fmt: skip
    return step
