"""Customer feedback over HTTP: one rating per order, and the report."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from db import feedback
from domain.orders import FeedbackRequest
from starter.services import Svc

router = APIRouter(tags=["feedback"])


@router.post("/orders/{order_id}/feedback", status_code=201)
async def give_feedback(order_id: str, body: FeedbackRequest, svc: Svc) -> dict[str, str]:
    """One rating (1-5) and a comment per delivered order; a second gets 409 feedback_exists."""

    def write() -> None:
        with svc.db.transaction() as s:
            feedback.record(s, order_id, body, datetime.now(UTC))

    await run_in_threadpool(write)
    return {"order_id": order_id, "status": "recorded"}


@router.get("/reports/feedback", response_model=feedback.FeedbackReport)
async def feedback_report(svc: Svc) -> feedback.FeedbackReport:
    """The average rating and how many orders got each rating."""

    def read() -> feedback.FeedbackReport:
        with svc.db.reader() as s:
            return feedback.report(s)

    return await run_in_threadpool(read)
