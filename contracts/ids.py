"""Workflow and update ids, in one place for the API, the CLI and the workflows.

An order's workflow id is its order id, so placing the same order twice reaches the same
run. An update id names a request: the same request sent again (a retry after a timeout)
is the same update, which Temporal answers once with its first outcome."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal


def order_workflow_id(order_id: str) -> str:
    return f"order-{order_id}"


def return_workflow_id(return_id: str) -> str:
    return f"return-{return_id}"


def accept_update_id(fingerprint: str) -> str:
    """The order's content: another body under the same external id is another update, which
    the validator refuses (idempotency_conflict)."""
    return f"accept-{fingerprint[:32]}"


def change_update_id(reference: str, preview: bool) -> str:
    return f"change:{reference}:{'preview' if preview else 'apply'}"


def cancel_update_id(reference: str) -> str:
    return f"cancel:{reference}"


def refund_update_id(reference: str, amount: Decimal) -> str:
    """The same reference and amount is the same refund; the same reference with another
    amount reaches the validator, which refuses it."""
    return f"refund-{reference}-{amount}"


def return_update_id(reference: str) -> str:
    return f"return:{reference}"


def packed_update_id(warehouse: str) -> str:
    return f"packed-{warehouse}"


def address_update_id(correction_json: str) -> str:
    """The corrected address itself: the same correction again is the same update."""
    return "address-" + hashlib.sha256(correction_json.encode()).hexdigest()[:24]


_RETURN_OF_ORDER = re.compile(r"^return-(?P<order>.+)-R\d+$")


def order_id_of_workflow(workflow_id: str) -> str | None:
    """The order an order's or a return's workflow belongs to (log lines name it)."""
    if workflow_id.startswith(order_workflow_id("")):
        return workflow_id.removeprefix(order_workflow_id(""))
    match = _RETURN_OF_ORDER.match(workflow_id)
    return match["order"] if match else None
