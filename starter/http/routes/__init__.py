"""One router per resource. ROUTERS is the order the app includes them in, which is the
order of the paths in the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter

from starter.http.routes import (
    alerts,
    changes,
    codec,
    feedback,
    health,
    inventory,
    invoices,
    keys,
    metrics,
    notes,
    orders,
    pricing,
    promotions,
    refunds,
    reports,
    returns,
    shipping,
    tax,
    webhooks,
)

ROUTERS: tuple[APIRouter, ...] = (
    inventory.router,
    invoices.router,
    refunds.router,
    pricing.router,
    promotions.router,
    tax.router,
    returns.router,
    changes.router,
    webhooks.router,
    shipping.router,
    alerts.router,
    feedback.router,
    reports.router,
    keys.router,
    health.router,
    metrics.router,
    codec.router,
    orders.router,
    notes.router,
)
