"""Who may call which route: the whole access policy of the API in one table. A route
missing here cannot be built (the app does not start), and tests/integration/test_access.py
calls every route with no key, with each role and with a key of another scope."""

from __future__ import annotations

from domain.access import Role
from starter.http.access import Rule

REPORT_PATHS = ("daily", "order-value", "processing-time", "delivery-time", "on-time", "cancellations",
                "returns", "feedback", "{name}.csv")  # fmt: skip

C, S, W, F, A = Role.CHANNEL, Role.SUPPORT, Role.WAREHOUSE, Role.FINANCE, Role.ADMIN


def allow(*roles: Role, body: str | None = None, listed: bool = False, cookie: bool = False) -> Rule:
    return Rule(frozenset(roles), body=body, listed=listed, cookie=cookie)


# Public: health, the customer's tracking page (no order content), the feedback form (its
# link carries a signed token), and webhooks (signed by their sender).
PUBLIC = Rule(frozenset(), public=True)

POLICY: dict[tuple[str, str], Rule] = {
    # Orders: a channel places and reads its own; support and finance read all.
    ("POST", "/orders"): allow(C, body="channel"),
    ("GET", "/orders"): allow(C, S, F, listed=True),
    ("GET", "/orders/{order_id}"): allow(C, S, F),
    ("POST", "/orders/{order_id}/changes"): allow(C, S),
    ("POST", "/orders/{order_id}/cancellations"): allow(C, S),
    ("POST", "/orders/{order_id}/refunds"): allow(S, F),  # support up to its limit
    ("POST", "/orders/{order_id}/retry"): allow(S),
    ("PUT", "/orders/{order_id}/shipping-address"): allow(S),
    ("POST", "/orders/{order_id}/fulfillments/{warehouse}/packed"): allow(W),
    # Internal notes: staff write them for staff; no channel reads them.
    ("POST", "/orders/{order_id}/notes"): allow(S, F),
    ("GET", "/orders/{order_id}/notes"): allow(S, F),
    ("POST", "/orders/{order_id}/feedback"): allow(C, S),
    ("GET", "/orders/{order_id}/feedback"): PUBLIC,
    ("POST", "/orders/{order_id}/feedback/form"): PUBLIC,
    # Returns: asked for by the channel or support, decided by support, received by whichever
    # warehouse the parcel comes back to, into its own stock.
    ("POST", "/orders/{order_id}/returns"): allow(C, S),
    ("GET", "/orders/{order_id}/returns"): allow(C, S, F),
    ("GET", "/returns"): allow(S, F),
    ("GET", "/returns/{return_id}"): allow(C, S, F),
    ("POST", "/returns/{return_id}/approve"): allow(S),
    ("POST", "/returns/{return_id}/reject"): allow(S),
    ("POST", "/returns/{return_id}/receive"): allow(W, S, body="warehouse"),
    # Parcels.
    ("GET", "/shipments/{tracking_number}"): PUBLIC,
    ("GET", "/shipments/{tracking_number}/label.pdf"): allow(W, S),
    # Support alerts: support acknowledges them and resolves them by hand.
    ("GET", "/support/alerts"): allow(S),
    ("GET", "/support/alerts/{alert_id}"): allow(S),
    ("POST", "/support/alerts/{alert_id}/acknowledge"): allow(S),
    ("POST", "/support/alerts/{alert_id}/resolve"): allow(S),
    # Money.
    ("GET", "/invoices"): allow(F, S),
    ("GET", "/invoices/{number}"): allow(F, S, C),
    ("GET", "/invoices/{number}.pdf"): allow(F, S, C),
    ("GET", "/credit-notes"): allow(F, S),
    ("GET", "/credit-notes/{number}"): allow(F, S, C),
    ("GET", "/credit-notes/{number}.pdf"): allow(F, S, C),
    # Stock: the warehouse books what arrives and what it counts; admin sets reorder points.
    ("GET", "/inventory"): allow(S, A),
    ("GET", "/inventory/replenishment"): allow(S, A),
    ("GET", "/inventory/alerts"): allow(S, A),
    ("GET", "/inventory/backorders"): allow(S, A),
    ("GET", "/inventory/{sku}"): allow(S, A),
    ("GET", "/inventory/{sku}/movements"): allow(S, A),
    ("POST", "/inventory/receipts"): allow(W, body="warehouse"),
    ("POST", "/inventory/adjustments"): allow(W, body="warehouse"),
    ("PUT", "/inventory/{sku}/{warehouse}/reorder"): allow(A),
    # Prices, promotions and tax: admin sets them; a channel and support quote.
    ("POST", "/quotes"): allow(C, S, body="channel"),
    ("GET", "/price-lists"): allow(A, S),
    ("POST", "/price-lists"): allow(A),
    ("GET", "/price-lists/{code}"): allow(A, S),
    ("POST", "/price-lists/{code}/end"): allow(A),
    ("PUT", "/price-lists/{code}/prices"): allow(A),
    ("DELETE", "/price-lists/{code}/prices/{sku}"): allow(A),
    ("GET", "/promotions"): allow(A, S),
    ("POST", "/promotions"): allow(A),
    ("GET", "/promotions/{code}"): allow(A, S),
    ("PATCH", "/promotions/{code}"): allow(A),
    ("GET", "/tax/regions"): allow(A, S, F),
    ("POST", "/tax/regions"): allow(A),
    ("GET", "/tax/regions/{code}"): allow(A, S, F),
    ("GET", "/tax/regions/{code}/rates"): allow(A, S, F),
    ("POST", "/tax/regions/{code}/rates"): allow(A),
    # Reports: the operations figures, for support, finance and admin.
    **{("GET", f"/reports/{name}"): allow(S, F, A) for name in REPORT_PATHS},
    # Keys and operations.
    ("GET", "/keys"): allow(A),
    ("POST", "/keys"): allow(A),
    ("POST", "/keys/{key_id}/revoke"): allow(A),
    ("GET", "/metrics"): allow(A),
    # The codec server: who may see customer data decoded in the Web UI (or the CLI).
    ("POST", "/codec/decode"): allow(S, F, cookie=True),
    ("POST", "/codec/encode"): allow(S, F, cookie=True),
    ("GET", "/codec/sign-in"): PUBLIC,
    ("POST", "/codec/sign-in"): PUBLIC,
    ("POST", "/codec/sign-out"): PUBLIC,
    ("GET", "/health"): PUBLIC,
    ("GET", "/ready"): PUBLIC,
    ("POST", "/webhooks/carrier"): PUBLIC,
    ("POST", "/webhooks/payments"): PUBLIC,
}
