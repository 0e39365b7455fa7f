"""Coupon uses: consumed in the transaction that accepts the order, never beyond the usage
limit even under concurrent orders, and given back when the order is cancelled."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import CouponRedemption, PromotionRow
from domain.errors import ErrorCode, OrdinoError


def redeem(s: Session, order_id: str, codes: Iterable[str], at: datetime) -> None:
    """Use each coupon once for the order. The conditional UPDATE is the guard: two orders
    racing for the last use cannot both pass it, and the loser's whole order rolls back."""
    for code in sorted(codes):  # one lock order, so two orders with two coupons never deadlock
        inserted = s.execute(
            insert(CouponRedemption)
            .values(promotion=code, order_id=order_id, redeemed_at=at)
            .on_conflict_do_nothing()
            .returning(CouponRedemption.order_id)
        ).first()
        if inserted is None:
            continue  # this order already holds it
        taken = s.execute(
            update(PromotionRow)
            .where(
                PromotionRow.code == code,
                (PromotionRow.usage_limit.is_(None)) | (PromotionRow.times_used < PromotionRow.usage_limit),
            )
            .values(times_used=PromotionRow.times_used + 1)
            .returning(PromotionRow.code)
        ).first()
        if taken is None:
            raise OrdinoError(ErrorCode.COUPON_EXHAUSTED, f"Coupon {code} has been used up", {"coupon": code})


def release(s: Session, order_id: str, at: datetime) -> list[str]:
    """Give back the coupons of a cancelled order; a second call finds nothing to release."""
    released = list(
        s.scalars(
            update(CouponRedemption)
            .where(CouponRedemption.order_id == order_id, CouponRedemption.released_at.is_(None))
            .values(released_at=at)
            .returning(CouponRedemption.promotion)
        )
    )
    if released:
        s.execute(
            update(PromotionRow)
            .where(PromotionRow.code.in_(released))
            .values(times_used=PromotionRow.times_used - 1)
        )
    return released


def redeemed(s: Session, order_id: str) -> list[str]:
    return list(
        s.scalars(
            select(CouponRedemption.promotion).where(
                CouponRedemption.order_id == order_id, CouponRedemption.released_at.is_(None)
            )
        )
    )
