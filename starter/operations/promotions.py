"""Promotions and coupons, shared by the API and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Product, PromotionRow
from domain.errors import ErrorCode, OrdinoError
from domain.inputs import Flag, Moment, Whole
from domain.money import Amount, is_minor_unit, minor_unit
from domain.orders import ChannelCode, Contract, CouponCode, CurrencyCode, NonBlank, SkuCode
from domain.promotions import PromotionKind

UsageLimit = Annotated[Whole, Field(gt=0, le=1_000_000_000)]


class NewPromotion(Contract):
    code: CouponCode
    description: NonBlank
    kind: PromotionKind
    # percentage: a fraction (0.10 is 10%); fixed_amount: money off the order, or off each
    # unit of the listed products; free_shipping: nothing.
    value: Annotated[Amount, Field(ge=0)] = Decimal(0)
    currency: CurrencyCode | None = None
    skus: list[SkuCode] = Field(default=[], max_length=500)
    min_subtotal: Annotated[Amount, Field(gt=0)] | None = None
    channel: ChannelCode | None = None
    # A coupon applies only when its code is given; otherwise it applies by itself.
    coupon: Flag = False
    usage_limit: UsageLimit | None = None
    valid_from: Moment | None = None
    valid_to: Moment | None = None

    @model_validator(mode="after")
    def _consistent(self) -> NewPromotion:
        if self.kind is PromotionKind.PERCENTAGE and not 0 < self.value <= 1:
            raise ValueError("a percentage is a fraction above 0 and at most 1 (0.10 is 10%)")
        if self.kind is PromotionKind.FIXED_AMOUNT and (self.value <= 0 or self.currency is None):
            raise ValueError("a fixed amount needs a value above 0 and a currency")
        if self.kind is PromotionKind.FREE_SHIPPING and (self.value != 0 or self.skus):
            raise ValueError("free shipping has no value and no products")
        if self.min_subtotal is not None and self.currency is None:
            raise ValueError("a minimum subtotal is money: give a currency")
        if self.usage_limit is not None and not self.coupon:
            raise ValueError("only coupons have a usage limit")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class PromotionChange(Contract):
    """What can change once customers may have used a promotion."""

    active: Flag | None = None
    valid_to: Moment | None = None
    usage_limit: UsageLimit | None = None


class PromotionView(BaseModel):
    code: str
    description: str
    kind: PromotionKind
    value: Decimal
    currency: str | None
    skus: list[str]
    min_subtotal: Decimal | None
    channel: str | None
    coupon: bool
    usage_limit: int | None
    times_used: int
    valid_from: datetime
    valid_to: datetime | None
    active: bool


def _view(p: PromotionRow) -> PromotionView:
    return PromotionView(
        code=p.code, description=p.description, kind=PromotionKind(p.kind), value=p.value.normalize(),
        currency=p.currency, skus=list(p.skus), min_subtotal=p.min_subtotal, channel=p.channel,
        coupon=p.coupon, usage_limit=p.usage_limit, times_used=p.times_used, valid_from=p.valid_from,
        valid_to=p.valid_to, active=p.active,
    )  # fmt: skip


def _get(s: Session, code: str, lock: bool = False) -> PromotionRow:
    promo = s.get(PromotionRow, code.upper(), with_for_update=lock)
    if promo is None:
        raise OrdinoError(ErrorCode.PROMOTION_NOT_FOUND, f"No promotion {code}", {"code": code})
    return promo


def create(db: Database, body: NewPromotion, channels: set[str]) -> PromotionView:
    if body.channel is not None and body.channel not in channels:
        raise OrdinoError(ErrorCode.UNKNOWN_CHANNEL, f"Unknown sales channel {body.channel!r}")
    if body.currency is not None:
        minor_unit(body.currency)
        for amount in (body.value if body.kind is PromotionKind.FIXED_AMOUNT else None, body.min_subtotal):
            if amount is not None and not is_minor_unit(amount, body.currency):
                raise OrdinoError(
                    ErrorCode.INVALID_AMOUNT,
                    f"{amount} is not an amount in {body.currency}",
                    {"amount": str(amount)},
                )
    valid_from = body.valid_from or datetime.now(UTC)
    if body.valid_to is not None and body.valid_to <= valid_from:
        raise OrdinoError(ErrorCode.INVALID_BODY, "valid_to must be after valid_from")
    with db.transaction() as s:
        known = set(s.scalars(select(Product.sku).where(Product.sku.in_(body.skus))))
        if unknown := sorted(set(body.skus) - known):
            raise OrdinoError(ErrorCode.UNKNOWN_SKU, f"Unknown SKU: {', '.join(unknown)}", {"skus": unknown})
        created = s.execute(
            insert(PromotionRow)
            .values(
                **body.model_dump(exclude={"valid_from"}), valid_from=valid_from, times_used=0, active=True
            )
            .on_conflict_do_nothing()
            .returning(PromotionRow.code)
        ).first()
        if created is None:
            raise OrdinoError(
                ErrorCode.PROMOTION_EXISTS, f"Promotion {body.code} exists", {"code": body.code}
            )
        return _view(_get(s, body.code))


def change(db: Database, code: str, body: PromotionChange) -> PromotionView:
    with db.transaction() as s:
        promo = _get(s, code, lock=True)
        if body.usage_limit is not None:
            if not promo.coupon:
                raise OrdinoError(ErrorCode.INVALID_BODY, "Only coupons have a usage limit")
            if body.usage_limit < promo.times_used:
                raise OrdinoError(
                    ErrorCode.INVALID_AMOUNT,
                    f"{promo.code} has been used {promo.times_used} times already",
                    {"times_used": promo.times_used},
                )
            promo.usage_limit = body.usage_limit
        if body.valid_to is not None:
            if body.valid_to <= promo.valid_from:
                raise OrdinoError(ErrorCode.INVALID_BODY, "valid_to must be after valid_from")
            promo.valid_to = body.valid_to
        if body.active is not None:
            promo.active = body.active
        s.flush()
        return _view(promo)


def get(db: Database, code: str) -> PromotionView:
    with db.reader() as s:
        return _view(_get(s, code))


def list_all(db: Database) -> list[PromotionView]:
    with db.reader() as s:
        return [_view(p) for p in s.scalars(select(PromotionRow).order_by(PromotionRow.code))]
