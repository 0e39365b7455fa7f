"""The application's tables, a module per area. Unique constraints carry the idempotency
keys that make every retried activity harmless."""

from db.models.access import ApiKey, ConsoleSession
from db.models.base import Base, Money, Rate
from db.models.catalog import (
    CouponRedemption,
    PriceList,
    PriceListPrice,
    Product,
    PromotionRow,
    ShippingRate,
    ShippingZone,
    TaxRate,
    TaxRegion,
)
from db.models.money import CreditNote, Invoice, InvoiceCounter, IssuedDocument, Payment, PaymentToken
from db.models.orders import CustomerNotification, Effect, Order, OrderEvent, OrderFeedback, OrderLine
from db.models.returns import ReturnLineRow, ReturnRow
from db.models.sandbox import SandboxCarrierParcel, SandboxGatewayTransaction
from db.models.shipping import Fulfillment, Shipment
from db.models.stock import Backorder, InventoryAlert, StockLevel, StockMovement, StockReservation, Warehouse

__all__ = [
    "ApiKey",
    "Backorder",
    "Base",
    "ConsoleSession",
    "CouponRedemption",
    "CreditNote",
    "CustomerNotification",
    "Effect",
    "Fulfillment",
    "InventoryAlert",
    "Invoice",
    "InvoiceCounter",
    "IssuedDocument",
    "Money",
    "Order",
    "OrderEvent",
    "OrderFeedback",
    "OrderLine",
    "Payment",
    "PaymentToken",
    "PriceList",
    "PriceListPrice",
    "Product",
    "PromotionRow",
    "Rate",
    "ReturnLineRow",
    "ReturnRow",
    "SandboxCarrierParcel",
    "SandboxGatewayTransaction",
    "Shipment",
    "ShippingRate",
    "ShippingZone",
    "StockLevel",
    "StockMovement",
    "StockReservation",
    "TaxRate",
    "TaxRegion",
    "Warehouse",
]
