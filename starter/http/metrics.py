"""What the API counts, for Prometheus at GET /metrics (routes/metrics.py): every request
by route template, method and status (a count and a latency histogram), and the business
counters the API sees: orders accepted, orders rejected by code, webhook refusals by sender
and code.

Labels are bounded: a route is its template (`/orders/{order_id}`, never an id), a method
one of the HTTP methods, a code one of ErrorCode. Each app has a registry of its own, so
a process (the tests) may build many apps."""

from __future__ import annotations

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter, Histogram

from domain.errors import HTTP_STATUS, ErrorCode

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route of a path no route matched (404)
# Seconds; from a cached read to an order that waits on its workflow's acceptance.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("method", "route", "status")
        self.requests = Counter(
            "ordino_http_requests", "HTTP requests answered", labels, registry=self.registry
        )
        self.latency = Histogram(
            "ordino_http_request_duration_seconds",
            "Time to answer an HTTP request",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.orders_accepted = Counter(
            "ordino_orders_accepted", "Orders placed (answered 201)", registry=self.registry
        )
        self.orders_rejected = Counter(
            "ordino_orders_rejected", "Orders refused, by code", ("code",), registry=self.registry
        )
        self.webhooks_refused = Counter(
            "ordino_webhooks_refused",
            "Webhook calls refused, by sender and code",
            ("sender", "code"),
            registry=self.registry,
        )

    def request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method if method in METHODS else "other", route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def order_refused(self, code: ErrorCode) -> None:
        # A 503 (not answered in time, busy) is no refusal: sent again, the order goes through.
        if HTTP_STATUS[code] < 500:
            self.orders_rejected.labels(code.value).inc()


def api_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics
