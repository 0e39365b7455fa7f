"""Orders' payment tokens (db/models/money.py PaymentToken): kept by the API at intake,
read by the payment steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import PaymentToken


def keep(s: Session, order_id: str, token: str, at: datetime) -> None:
    """The token of an order not accepted yet; the last attempt's wins, since a channel that
    places the order again may bring a fresh single-use token."""
    s.execute(
        insert(PaymentToken)
        .values(order_id=order_id, token=token, updated_at=at)
        .on_conflict_do_update(
            index_elements=[PaymentToken.order_id], set_={"token": token, "updated_at": at}
        )
    )


def token_of(s: Session, order_id: str) -> str | None:
    return s.scalar(select(PaymentToken.token).where(PaymentToken.order_id == order_id))
