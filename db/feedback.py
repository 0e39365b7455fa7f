"""Customer feedback: one rating per delivered order (the report is db/reports.py `feedback`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db import order_log
from db.models import Order, OrderFeedback
from domain.errors import ErrorCode, OrdinoError
from domain.orders import FeedbackRequest

# Feedback is asked for once the goods arrived.
RATEABLE = {"partially_delivered", "delivered", "completed"}


def record(session: Session, order_id: str, body: FeedbackRequest, at: datetime) -> None:
    status = session.scalar(select(Order.status).where(Order.id == order_id))
    if status is None:
        raise OrdinoError(ErrorCode.ORDER_NOT_FOUND, f"No order {order_id}")
    if status not in RATEABLE:
        raise OrdinoError(ErrorCode.NOT_DELIVERED, f"Order {order_id} has not been delivered yet")
    added = session.execute(
        insert(OrderFeedback)
        .values(order_id=order_id, rating=body.rating, comment=body.comment, at=at)
        .on_conflict_do_nothing()
        .returning(OrderFeedback.order_id)
    ).scalar_one_or_none()
    if added is None:
        raise OrdinoError(ErrorCode.FEEDBACK_EXISTS, f"Order {order_id} has been rated already")
    order_log.append_event(session, order_id, "feedback", "feedback_received", None, at, actor="customer",
                           data={"rating": body.rating})  # fmt: skip
