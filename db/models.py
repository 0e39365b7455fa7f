"""The application's tables. Unique constraints carry the idempotency keys that make
every retried activity harmless."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Money = Numeric(18, 4)
Rate = Numeric(9, 6)  # US combined sales tax rates have five decimals (0.08875)


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


# --- catalog and stock -----------------------------------------------------------


class Product(Base):
    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_class: Mapped[str] = mapped_column(String(20), default="standard")
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    length_mm: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    width_mm: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    height_mm: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# --- prices, promotions, shipping charges and tax ----------------------------------


class PriceList(Base):
    """Prices in one currency, for one channel (or every channel), valid for a period.
    Two lists for the same channel and currency never overlap in time."""

    __tablename__ = "price_lists"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _now()
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="price_list_validity"),
    )


class PriceListPrice(Base):
    __tablename__ = "price_list_prices"
    price_list: Mapped[str] = mapped_column(ForeignKey("price_lists.code"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    __table_args__ = (CheckConstraint("amount >= 0", name="price_not_negative"),)


class TaxRegion(Base):
    """Where a set of tax rates applies: a country, or a state or province within it."""

    __tablename__ = "tax_regions"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(10))
    rounding: Mapped[str] = mapped_column(String(10), default="half_up", server_default="half_up")
    __table_args__ = (UniqueConstraint("country", "subdivision", name="tax_region_place"),)


class TaxRate(Base):
    """A tax class's rate in a region for a period; periods of one region and class never overlap."""

    __tablename__ = "tax_rates"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    region: Mapped[str] = mapped_column(ForeignKey("tax_regions.code"), index=True)
    tax_class: Mapped[str] = mapped_column(String(20))
    rate: Mapped[Decimal] = mapped_column(Rate)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("rate >= 0 AND rate < 1", name="tax_rate_range"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="tax_rate_validity"),
    )


class ShippingZone(Base):
    __tablename__ = "shipping_zones"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    countries: Mapped[list[str]] = mapped_column(ARRAY(String(2)))


class ShippingRate(Base):
    """One price tier of a zone in a currency: from a weight (grams) or an order value on."""

    __tablename__ = "shipping_rates"
    zone: Mapped[str] = mapped_column(ForeignKey("shipping_zones.code"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    from_measure: Mapped[Decimal] = mapped_column(Money, primary_key=True)
    basis: Mapped[str] = mapped_column(String(20))
    price: Mapped[Decimal] = mapped_column(Money)
    tax_class: Mapped[str] = mapped_column(String(20), default="standard")
    __table_args__ = (CheckConstraint("price >= 0 AND from_measure >= 0", name="shipping_rate_positive"),)


class PromotionRow(Base):
    """A discount; with `coupon` it applies only when its code is given, up to usage_limit times."""

    __tablename__ = "promotions"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Money, default=0)
    currency: Mapped[str | None] = mapped_column(String(3))
    skus: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    min_subtotal: Mapped[Decimal | None] = mapped_column(Money)
    channel: Mapped[str | None] = mapped_column(String(32))
    coupon: Mapped[bool] = mapped_column(default=False)
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    times_used: Mapped[int] = mapped_column(Integer, default=0)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = _now()
    __table_args__ = (
        # The database itself refuses to hand out a coupon more often than allowed.
        CheckConstraint("usage_limit IS NULL OR times_used <= usage_limit", name="coupon_not_over_consumed"),
        CheckConstraint("times_used >= 0 AND value >= 0", name="promotion_not_negative"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="promotion_validity"),
    )


class CouponRedemption(Base):
    """A coupon used by an order; released (and its use given back) when the order is cancelled."""

    __tablename__ = "coupon_redemptions"
    promotion: Mapped[str] = mapped_column(ForeignKey("promotions.code"), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    redeemed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Warehouse(Base):
    __tablename__ = "warehouses"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    priority: Mapped[int] = mapped_column(Integer, default=100)


class StockLevel(Base):
    __tablename__ = "stock_levels"
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    # At or below this many available units, the SKU needs reordering (0: never).
    reorder_point: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reorder_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reorder_point >= 0 AND reorder_quantity >= 0", name="reorder_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
    )


class StockMovement(Base):
    """The ledger: on hand and reserved always equal the sums of these rows."""

    __tablename__ = "stock_movements"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    kind: Mapped[str] = mapped_column(String(20))
    on_hand_delta: Mapped[int] = mapped_column(Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = _now()


class StockReservation(Base):
    __tablename__ = "stock_reservations"
    order_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="active")
    __table_args__ = (
        CheckConstraint("state IN ('active', 'released', 'shipped')", name="reservation_state"),
    )


class Backorder(Base):
    """Units an order waits for. The id orders the queue: first come, first served."""

    __tablename__ = "backorders"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(100), index=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    quantity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="waiting")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    filled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("order_id", "sku", name="backorders_one_per_line"),
        CheckConstraint("quantity > 0", name="backorder_quantity_positive"),
        CheckConstraint("state IN ('waiting', 'filled', 'cancelled')", name="backorder_state"),
    )


class InventoryAlert(Base):
    """Something inventory planners must look at, e.g. stock crossing its reorder point."""

    __tablename__ = "inventory_alerts"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    available: Mapped[int] = mapped_column(Integer)
    reorder_point: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = _now()


# --- orders (read model and audit trail) ------------------------------------------


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_name: Mapped[str] = mapped_column(String(200))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), index=True)
    net_total: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    grand_total: Mapped[Decimal] = mapped_column(Money)
    quote: Mapped[dict[str, Any]] = mapped_column(JSONB)
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("channel", "external_id", name="orders_channel_external"),)


class OrderLine(Base):
    __tablename__ = "order_lines"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    net: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    tax: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)


class OrderEvent(Base):
    """The audit trail: what happened, when, who did it and why. Keyed so a retry appends once."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    __table_args__ = (UniqueConstraint("order_id", "key", name="order_events_once"),)


class Effect(Base):
    """The guard of an effect an activity ran (db/unit_of_work.py): claimed by the first run
    of its key, it holds that run's answer, which every later run gets back instead."""

    __tablename__ = "effects"
    order_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    answer: Mapped[Any | None] = mapped_column(JSONB)
    done_at: Mapped[datetime] = _now()


class CustomerNotification(Base):
    """A message to the customer, written once per order and event (the outbox a mailer
    sends from)."""

    __tablename__ = "customer_notifications"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- payments, invoices, shipments -------------------------------------------------


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    operation: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    decline_code: Mapped[str | None] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InvoiceCounter(Base):
    """The last number issued per series and year; its row lock makes numbering gap-free."""

    __tablename__ = "invoice_counters"
    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument:
    """What invoices and credit notes share: a gap-free number in a series and year, the
    order, the amounts and the rendered content, all fixed once issued."""

    number: Mapped[str] = mapped_column(String(30), primary_key=True)
    series: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    grand_total: Mapped[Decimal] = mapped_column(Money)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)


class Invoice(IssuedDocument, Base):
    __tablename__ = "invoices"
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("series", "year", "sequence", name="invoices_gap_free"),)


class CreditNote(IssuedDocument, Base):
    """A refund on paper: its own gap-free series, always referring to the invoice it corrects."""

    __tablename__ = "credit_notes"
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.number"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    refund_reference: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (
        UniqueConstraint("series", "year", "sequence", name="credit_notes_gap_free"),
        CheckConstraint("grand_total > 0", name="credit_note_positive"),
    )


class Fulfillment(Base):
    """A warehouse picking and packing one parcel of an order."""

    __tablename__ = "fulfillments"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    status: Mapped[str] = mapped_column(String(20))
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    packed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    packed_by: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (
        UniqueConstraint("order_id", "warehouse", name="fulfillments_one_per_warehouse"),
        CheckConstraint("status IN ('picking', 'packed', 'cancelled')", name="fulfillment_status"),
    )


class Shipment(Base):
    __tablename__ = "shipments"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    warehouse: Mapped[str] = mapped_column(ForeignKey("warehouses.code"))
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(30))
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal | None] = mapped_column(Money)
    label_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A reshipment names the parcel that was lost, damaged or returned.
    replaces: Mapped[str | None] = mapped_column(String(64))


class OrderFeedback(Base):
    """The customer's rating after delivery: one per order."""

    __tablename__ = "order_feedback"
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="feedback_rating_range"),)


# --- sandbox providers: the outside world's own books ------------------------------


class SandboxGatewayTransaction(Base):
    __tablename__ = "sandbox_gateway_transactions"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    operation: Mapped[str] = mapped_column(String(20))
    parent_reference: Mapped[str | None] = mapped_column(String(40))
    token: Mapped[str | None] = mapped_column(String(128))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    decline_code: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = _now()


class SandboxCarrierParcel(Base):
    __tablename__ = "sandbox_carrier_parcels"
    tracking_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[dict[str, Any]] = mapped_column(JSONB)
    weight_grams: Mapped[int] = mapped_column(Integer)
    journey_step: Mapped[int] = mapped_column(Integer, default=0)
    next_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = _now()
    # The warehouse it leaves from, and the statuses it will report ("wait": a silent step).
    sender: Mapped[str | None] = mapped_column(String(20))
    journey: Mapped[list[str] | None] = mapped_column(JSONB)


# --- returns --------------------------------------------------------------------------


class ReturnRow(Base):
    """A return (or exchange) of part of an order, from request to refund or replacement."""

    __tablename__ = "returns"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    resolution: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    label_tracking_number: Mapped[str | None] = mapped_column(String(64))
    warehouse: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded: Mapped[Decimal] = mapped_column(Money, default=0)
    # What closing produced: credit notes, a charge, replacement parcels.
    outcome: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("order_id", "reference", name="returns_once_per_reference"),)


class ReturnLineRow(Base):
    __tablename__ = "return_lines"
    return_id: Mapped[str] = mapped_column(ForeignKey("returns.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(30))
    exchange_sku: Mapped[str | None] = mapped_column(ForeignKey("products.sku"))
    resellable: Mapped[int] = mapped_column(Integer, default=0)
    damaged: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        CheckConstraint("quantity > 0 AND resellable + damaged <= quantity AND accepted <= quantity",
                        name="return_line_quantities"),
    )  # fmt: skip
