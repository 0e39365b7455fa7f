"""Business errors. Each carries a machine-readable code the API returns as is."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID_BODY = "invalid_body"
    INVALID_PARAMETER = "invalid_parameter"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    ROUTE_NOT_FOUND = "route_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_READY = "not_ready"
    INTERNAL_ERROR = "internal_error"
    TIMED_OUT = "timed_out"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_SKU = "unknown_sku"
    PRICE_MISSING = "price_missing"
    UNSUPPORTED_CURRENCY = "unsupported_currency"
    UNSUPPORTED_DESTINATION = "unsupported_destination"
    INSUFFICIENT_STOCK = "insufficient_stock"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    ORDER_NOT_FOUND = "order_not_found"
    UNKNOWN_TRACKING_NUMBER = "unknown_tracking_number"
    ILLEGAL_TRANSITION = "illegal_transition"
    ORDER_BUSY = "order_busy"
    UNKNOWN_WAREHOUSE = "unknown_warehouse"
    SKU_NOT_FOUND = "sku_not_found"
    INVALID_SIGNATURE = "invalid_signature"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    KEY_NOT_FOUND = "key_not_found"
    INVOICE_NOT_FOUND = "invoice_not_found"
    NO_CAPTURE = "no_capture"
    REFUND_EXCEEDS_CAPTURED = "refund_exceeds_captured"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_VAT_ID = "invalid_vat_id"
    ORDER_CLOSED = "order_closed"
    CREDIT_NOTE_NOT_FOUND = "credit_note_not_found"
    UNKNOWN_PAYMENT = "unknown_payment"
    NEGATIVE_STOCK = "negative_stock"
    UNKNOWN_COUPON = "unknown_coupon"
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    COUPON_EXHAUSTED = "coupon_exhausted"
    OVERLAPPING_VALIDITY = "overlapping_validity"
    PRICE_LIST_NOT_FOUND = "price_list_not_found"
    PRICE_LIST_EXISTS = "price_list_exists"
    PROMOTION_NOT_FOUND = "promotion_not_found"
    PROMOTION_EXISTS = "promotion_exists"
    TAX_REGION_NOT_FOUND = "tax_region_not_found"
    TAX_REGION_EXISTS = "tax_region_exists"
    TAX_RATE_NOT_FOUND = "tax_rate_not_found"
    NO_SHIPPING_RATE = "no_shipping_rate"
    NOT_IN_ORDER = "not_in_order"
    QUANTITY_EXCEEDS_RETURNABLE = "quantity_exceeds_returnable"
    RETURN_WINDOW_CLOSED = "return_window_closed"
    NOT_DELIVERED = "not_delivered"
    RETURN_NOT_FOUND = "return_not_found"
    RETURN_MISMATCH = "return_mismatch"
    EMPTY_ORDER = "empty_order"
    QUANTITY_EXCEEDS_ORDERED = "quantity_exceeds_ordered"
    ALREADY_PACKED = "already_packed"
    NOT_EDITABLE = "not_editable"
    ALREADY_DELIVERED = "already_delivered"
    PAYMENT_DECLINED = "payment_declined"
    PARTIAL_PARCEL = "partial_parcel"
    UNDELIVERABLE_ADDRESS = "undeliverable_address"
    NOT_PACKING = "not_packing"
    UNKNOWN_FULFILLMENT = "unknown_fulfillment"
    ADDRESS_LOCKED = "address_locked"
    SHIPMENT_NOT_FOUND = "shipment_not_found"
    FEEDBACK_EXISTS = "feedback_exists"
    NOT_PARKED = "not_parked"
    DATABASE_UNAVAILABLE = "database_unavailable"
    TEMPORAL_UNAVAILABLE = "temporal_unavailable"
    UPDATE_LOST = "update_lost"
    PAYLOAD_UNDECODABLE = "payload_undecodable"
    UNKNOWN_NAMESPACE = "unknown_namespace"
    UPDATE_TIMEOUT = "update_timeout"
    INVALID_DATE_RANGE = "invalid_date_range"
    ALERT_NOT_FOUND = "alert_not_found"
    ALERT_ALREADY_RESOLVED = "alert_already_resolved"
    ALERT_CAUSE_STANDS = "alert_cause_stands"


# HTTP status per code: 404 for missing resources, 409 for a conflict with the
# current state of things, 422 for a request that can never succeed as written, 503 for
# one that may succeed when sent again as it is.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_PARKED: 409,
    ErrorCode.INVALID_BODY: 422,
    ErrorCode.INVALID_PARAMETER: 422,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.ROUTE_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NOT_READY: 503,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.TIMED_OUT: 503,
    ErrorCode.UNKNOWN_CHANNEL: 422,
    ErrorCode.UNKNOWN_SKU: 422,
    ErrorCode.PRICE_MISSING: 422,
    ErrorCode.UNSUPPORTED_CURRENCY: 422,
    ErrorCode.UNSUPPORTED_DESTINATION: 422,
    ErrorCode.INSUFFICIENT_STOCK: 409,
    ErrorCode.IDEMPOTENCY_CONFLICT: 409,
    ErrorCode.ORDER_NOT_FOUND: 404,
    ErrorCode.UNKNOWN_TRACKING_NUMBER: 404,
    ErrorCode.ILLEGAL_TRANSITION: 409,
    ErrorCode.ORDER_BUSY: 503,
    ErrorCode.UNKNOWN_WAREHOUSE: 422,
    ErrorCode.SKU_NOT_FOUND: 404,
    ErrorCode.INVALID_SIGNATURE: 401,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.KEY_NOT_FOUND: 404,
    ErrorCode.INVOICE_NOT_FOUND: 404,
    ErrorCode.NO_CAPTURE: 409,
    ErrorCode.REFUND_EXCEEDS_CAPTURED: 409,
    ErrorCode.INVALID_AMOUNT: 422,
    ErrorCode.INVALID_VAT_ID: 422,
    ErrorCode.ORDER_CLOSED: 409,
    ErrorCode.CREDIT_NOTE_NOT_FOUND: 404,
    ErrorCode.UNKNOWN_PAYMENT: 404,
    ErrorCode.NEGATIVE_STOCK: 409,
    ErrorCode.UNKNOWN_COUPON: 422,
    ErrorCode.COUPON_NOT_APPLICABLE: 422,
    ErrorCode.COUPON_EXHAUSTED: 409,
    ErrorCode.OVERLAPPING_VALIDITY: 409,
    ErrorCode.PRICE_LIST_NOT_FOUND: 404,
    ErrorCode.PRICE_LIST_EXISTS: 409,
    ErrorCode.PROMOTION_NOT_FOUND: 404,
    ErrorCode.PROMOTION_EXISTS: 409,
    ErrorCode.TAX_REGION_NOT_FOUND: 404,
    ErrorCode.TAX_REGION_EXISTS: 409,
    ErrorCode.TAX_RATE_NOT_FOUND: 404,
    ErrorCode.NO_SHIPPING_RATE: 422,
    ErrorCode.NOT_IN_ORDER: 422,
    ErrorCode.QUANTITY_EXCEEDS_RETURNABLE: 409,
    ErrorCode.RETURN_WINDOW_CLOSED: 409,
    ErrorCode.NOT_DELIVERED: 409,
    ErrorCode.RETURN_NOT_FOUND: 404,
    ErrorCode.RETURN_MISMATCH: 422,
    ErrorCode.EMPTY_ORDER: 422,
    ErrorCode.QUANTITY_EXCEEDS_ORDERED: 409,
    ErrorCode.ALREADY_PACKED: 409,
    ErrorCode.NOT_EDITABLE: 409,
    ErrorCode.ALREADY_DELIVERED: 409,
    ErrorCode.PAYMENT_DECLINED: 409,
    ErrorCode.PARTIAL_PARCEL: 409,
    ErrorCode.UNDELIVERABLE_ADDRESS: 422,
    # The codec server's: a payload sealed with a key it lacks (400, as the codec-server
    # protocol has it), and a namespace it does not serve.
    ErrorCode.PAYLOAD_UNDECODABLE: 400,
    ErrorCode.UNKNOWN_NAMESPACE: 422,
    ErrorCode.NOT_PACKING: 409,
    ErrorCode.UNKNOWN_FULFILLMENT: 404,
    ErrorCode.ADDRESS_LOCKED: 409,
    ErrorCode.SHIPMENT_NOT_FOUND: 404,
    ErrorCode.FEEDBACK_EXISTS: 409,
    ErrorCode.DATABASE_UNAVAILABLE: 503,
    ErrorCode.TEMPORAL_UNAVAILABLE: 503,
    ErrorCode.UPDATE_LOST: 503,
    ErrorCode.UPDATE_TIMEOUT: 503,
    ErrorCode.INVALID_DATE_RANGE: 422,
    ErrorCode.ALERT_NOT_FOUND: 404,
    # Resolved meanwhile by someone else (or by the step that removed its cause).
    ErrorCode.ALERT_ALREADY_RESOLVED: 409,
    # Resolved by its fix (a retry, a corrected address), not by hand.
    ErrorCode.ALERT_CAUSE_STANDS: 409,
}

# The API cannot reach what it stands on: every call fails alike until it is back.
DEPENDENCY_DOWN = frozenset({ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.TEMPORAL_UNAVAILABLE})


class OrdinoError(Exception):
    """A coded answer: a business rule said no (never retried), or, with a 503 code, the
    request may succeed when sent again as it is."""

    def __init__(self, code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


# What pricing a basket may refuse, wherever a basket is priced (quotes, orders, edits).
PRICING_CODES = (
    ErrorCode.UNKNOWN_CHANNEL,
    ErrorCode.UNKNOWN_SKU,
    ErrorCode.PRICE_MISSING,
    ErrorCode.UNSUPPORTED_CURRENCY,
    ErrorCode.UNSUPPORTED_DESTINATION,
    ErrorCode.NO_SHIPPING_RATE,
    ErrorCode.UNKNOWN_COUPON,
    ErrorCode.COUPON_NOT_APPLICABLE,
    ErrorCode.COUPON_EXHAUSTED,
)
