"""The API's metrics for Prometheus (what is counted: starter/http/metrics.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from starter.http.access import GuardedRoute
from starter.http.metrics import api_metrics

router = APIRouter(tags=["operations"], route_class=GuardedRoute)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def metrics(request: Request) -> Response:
    """The API's metrics for Prometheus: `ordino_http_requests_total` and
    `ordino_http_request_duration_seconds` by method, route template and status;
    `ordino_orders_accepted_total`, `ordino_orders_rejected_total` by code,
    `ordino_webhooks_refused_total` by sender and code. The worker serves its own
    (the Temporal SDK's, parked steps, mails sent) on ORDINO_WORKER_METRICS."""
    return Response(generate_latest(api_metrics(request).registry), media_type=CONTENT_TYPE_LATEST)
