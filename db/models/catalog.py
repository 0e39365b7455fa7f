"""Products, price lists, tax regions and rates, shipping rates, promotions and their coupon uses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Money, Rate, _now


class Product(Base):
    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_class: Mapped[str] = mapped_column(String(20), default="standard")
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    length_mm: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    width_mm: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    height_mm: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


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
