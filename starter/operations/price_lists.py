"""Price lists, shared by the API and the CLI: one per channel (or every channel) and
currency at any moment; amounts never negative and always at the currency's minor unit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import PriceList, PriceListPrice, Product
from db.validity import lock_key, refuse_overlap
from domain.errors import ErrorCode, OrdinoError
from domain.inputs import Moment
from domain.money import Amount, is_minor_unit, minor_unit, round_money
from domain.orders import (
    UPPER_ASCII,
    ChannelCode,
    Contract,
    CurrencyCode,
    NonBlank,
    SkuCode,
    documented_any_case,
)

LIST_CODE = r"^[A-Z0-9_-]{2,40}$"
ListCode = Annotated[str, UPPER_ASCII, StringConstraints(pattern=LIST_CODE), documented_any_case(LIST_CODE)]


class Price(Contract):
    sku: SkuCode
    amount: Annotated[Amount, Field(ge=0)]


Prices = Annotated[list[Price], Field(max_length=5000)]


class NewPriceList(Contract):
    code: ListCode
    name: NonBlank
    channel: ChannelCode | None = None  # none: every channel
    currency: CurrencyCode
    valid_from: Moment | None = None  # none: from now
    valid_to: Moment | None = None  # none: until ended
    prices: Prices = []

    @model_validator(mode="after")
    def _period(self) -> NewPriceList:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class PriceListSummary(BaseModel):
    code: str
    name: str
    channel: str | None
    currency: str
    valid_from: datetime
    valid_to: datetime | None
    price_count: int


class PriceListView(PriceListSummary):
    prices: list[Price]


def _view(s: Session, pl: PriceList) -> PriceListView:
    rows = s.execute(
        select(PriceListPrice.sku, PriceListPrice.amount)
        .where(PriceListPrice.price_list == pl.code)
        .order_by(PriceListPrice.sku)
    )
    prices = [Price(sku=sku, amount=round_money(amount, pl.currency)) for sku, amount in rows]
    return PriceListView(**_summary(pl, len(prices)).model_dump(), prices=prices)


def _summary(pl: PriceList, count: int) -> PriceListSummary:
    return PriceListSummary(
        code=pl.code,
        name=pl.name,
        channel=pl.channel,
        currency=pl.currency,
        valid_from=pl.valid_from,
        valid_to=pl.valid_to,
        price_count=count,
    )


def _check_prices(s: Session, currency: str, prices: list[Price]) -> None:
    if len({p.sku for p in prices}) != len(prices):
        raise OrdinoError(ErrorCode.INVALID_BODY, "Each SKU may have one price in a list")
    off_unit = [p.sku for p in prices if not is_minor_unit(p.amount, currency)]
    if off_unit:
        raise OrdinoError(
            ErrorCode.INVALID_AMOUNT,
            f"{currency} has {minor_unit(currency)} decimals; prices of {', '.join(off_unit)} have more",
            {"skus": off_unit},
        )
    skus = {p.sku for p in prices}
    known = set(s.scalars(select(Product.sku).where(Product.sku.in_(skus))))
    if unknown := sorted(skus - known):
        raise OrdinoError(ErrorCode.UNKNOWN_SKU, f"Unknown SKU: {', '.join(unknown)}", {"skus": unknown})


def _get(s: Session, code: str, lock: bool = False) -> PriceList:
    pl = s.get(PriceList, code, with_for_update=lock)
    if pl is None:
        raise OrdinoError(ErrorCode.PRICE_LIST_NOT_FOUND, f"No price list {code}", {"code": code})
    return pl


def _upsert(s: Session, code: str, prices: list[Price]) -> None:
    if not prices:
        return
    stmt = insert(PriceListPrice).values(
        [{"price_list": code, "sku": p.sku, "amount": p.amount} for p in prices]
    )
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=["price_list", "sku"], set_={"amount": stmt.excluded.amount}
        )
    )


def create(db: Database, body: NewPriceList, channels: set[str]) -> PriceListView:
    if body.channel is not None and body.channel not in channels:
        raise OrdinoError(ErrorCode.UNKNOWN_CHANNEL, f"Unknown sales channel {body.channel!r}")
    minor_unit(body.currency)
    valid_from = body.valid_from or datetime.now(UTC)
    if body.valid_to is not None and body.valid_to <= valid_from:
        raise OrdinoError(ErrorCode.INVALID_BODY, "valid_to must be after valid_from")
    with db.transaction() as s:
        _check_prices(s, body.currency, body.prices)
        if s.get(PriceList, body.code) is not None:  # the clearer answer; the insert below is the guard
            raise OrdinoError(
                ErrorCode.PRICE_LIST_EXISTS, f"Price list {body.code} exists", {"code": body.code}
            )
        lock_key(s, f"price_list:{body.channel}:{body.currency}")
        same_key = (PriceList.currency == body.currency) & (
            PriceList.channel.is_(None) if body.channel is None else PriceList.channel == body.channel
        )
        refuse_overlap(
            s,
            PriceList,
            same_key,
            valid_from,
            body.valid_to,
            f"A {body.currency} price list for that channel",
        )
        created = s.execute(
            insert(PriceList)
            .values(code=body.code, name=body.name, channel=body.channel, currency=body.currency,
                    valid_from=valid_from, valid_to=body.valid_to)
            .on_conflict_do_nothing()
            .returning(PriceList.code)
        ).first()  # fmt: skip
        if created is None:
            raise OrdinoError(
                ErrorCode.PRICE_LIST_EXISTS, f"Price list {body.code} exists", {"code": body.code}
            )
        _upsert(s, body.code, body.prices)
        return _view(s, _get(s, body.code))


def set_prices(db: Database, code: str, prices: list[Price]) -> PriceListView:
    """Add or change prices in a list; the others stay as they are."""
    with db.transaction() as s:
        pl = _get(s, code, lock=True)
        _check_prices(s, pl.currency, prices)
        _upsert(s, code, prices)
        return _view(s, pl)


def remove_price(db: Database, code: str, sku: str) -> PriceListView:
    with db.transaction() as s:
        pl = _get(s, code, lock=True)
        gone = s.scalar(
            delete(PriceListPrice)
            .where(PriceListPrice.price_list == code, PriceListPrice.sku == sku)
            .returning(PriceListPrice.sku)
        )
        if gone is None:
            raise OrdinoError(ErrorCode.SKU_NOT_FOUND, f"{sku} has no price in {code}", {"sku": sku})
        return _view(s, pl)


def end(db: Database, code: str, at: datetime) -> PriceListView:
    """Stop a list at a moment (to hand over to a new list for the same channel and currency)."""
    with db.transaction() as s:
        pl = _get(s, code, lock=True)
        if at <= pl.valid_from:
            raise OrdinoError(ErrorCode.INVALID_BODY, "A list cannot end before it starts")
        if pl.valid_to is not None and pl.valid_to <= at:
            return _view(s, pl)  # already ended by then
        s.execute(update(PriceList).where(PriceList.code == code).values(valid_to=at))
        s.refresh(pl)
        return _view(s, pl)


def get(db: Database, code: str) -> PriceListView:
    with db.reader() as s:
        return _view(s, _get(s, code))


def list_all(db: Database) -> list[PriceListSummary]:
    with db.reader() as s:
        # A Result has keys() (its columns), so dict() would read it as a mapping: go by rows.
        counts = {
            code: n
            for code, n in s.execute(
                select(PriceListPrice.price_list, func.count()).group_by(PriceListPrice.price_list)
            )
        }
        lists = s.scalars(
            select(PriceList).order_by(PriceList.currency, PriceList.valid_from, PriceList.code)
        )
        return [_summary(pl, counts.get(pl.code, 0)) for pl in lists]
