"""Tax regions and their dated rates, shared by the API and the CLI. A rate change is a new
rate from a date: `supersede` ends the rate in force at that date, so history stays
intact and orders priced before the change keep their rate."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import TaxRate, TaxRegion
from db.pricing import in_force
from db.validity import lock_key, refuse_overlap
from domain.errors import ErrorCode, OrdinoError
from domain.inputs import Flag, Moment
from domain.money import Rounding
from domain.orders import UPPER_ASCII, Contract, CountryCode, NonBlank, documented_any_case
from domain.tax import TaxClass

REGION = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"
SUBDIVISION = r"^[A-Z0-9]{1,3}$"
RegionCode = Annotated[str, UPPER_ASCII, StringConstraints(pattern=REGION), documented_any_case(REGION)]
Subdivision = Annotated[
    str, UPPER_ASCII, StringConstraints(pattern=SUBDIVISION), documented_any_case(SUBDIVISION)
]


class NewTaxRegion(Contract):
    code: RegionCode
    name: NonBlank
    country: CountryCode
    subdivision: Subdivision | None = None  # a state or province; none: the whole country
    rounding: Rounding = Rounding.HALF_UP

    @model_validator(mode="after")
    def _code_names_the_place(self) -> NewTaxRegion:
        expected = self.country + (f"-{self.subdivision}" if self.subdivision else "")
        if self.code != expected:
            raise ValueError(f"the code of this region is {expected}")
        return self


class NewTaxRate(Contract):
    tax_class: TaxClass
    rate: Decimal = Field(ge=0, lt=1, max_digits=7, decimal_places=6)  # 0.22 is 22%
    valid_from: Moment | None = None  # none: from now
    valid_to: Moment | None = None
    # End the rate in force at valid_from instead of refusing the overlap.
    supersede: Flag = False


class TaxRateView(BaseModel):
    id: int
    region: str
    tax_class: str
    rate: Decimal
    valid_from: datetime
    valid_to: datetime | None


class TaxRegionView(BaseModel):
    code: str
    name: str
    country: str
    subdivision: str | None
    rounding: Rounding
    rates_in_force: dict[str, Decimal]


def _rate_view(r: TaxRate) -> TaxRateView:
    return TaxRateView(
        id=r.id, region=r.region, tax_class=r.tax_class, rate=r.rate.normalize(), valid_from=r.valid_from,
        valid_to=r.valid_to,
    )  # fmt: skip


def _region_view(s: Session, region: TaxRegion, at: datetime) -> TaxRegionView:
    rates = s.execute(
        select(TaxRate.tax_class, TaxRate.rate).where(
            TaxRate.region == region.code, in_force(TaxRate.valid_from, TaxRate.valid_to, at)
        )
    )
    return TaxRegionView(
        code=region.code,
        name=region.name,
        country=region.country,
        subdivision=region.subdivision,
        rounding=Rounding(region.rounding),
        rates_in_force={k: v.normalize() for k, v in sorted(rates.all())},
    )


def _region(s: Session, code: str) -> TaxRegion:
    region = s.get(TaxRegion, code.upper())
    if region is None:
        raise OrdinoError(ErrorCode.TAX_REGION_NOT_FOUND, f"No tax region {code}", {"region": code})
    return region


def create_region(db: Database, body: NewTaxRegion) -> TaxRegionView:
    with db.transaction() as s:
        # The code names the place (validated above), so the key refuses a second region there.
        created = s.execute(
            insert(TaxRegion).values(**body.model_dump()).on_conflict_do_nothing().returning(TaxRegion.code)
        ).first()
        if created is None:
            raise OrdinoError(
                ErrorCode.TAX_REGION_EXISTS, f"Tax region {body.code} exists", {"region": body.code}
            )
        return _region_view(s, _region(s, body.code), datetime.now(UTC))


def add_rate(db: Database, region_code: str, body: NewTaxRate) -> TaxRateView:
    valid_from = body.valid_from or datetime.now(UTC)
    if body.valid_to is not None and body.valid_to <= valid_from:
        raise OrdinoError(ErrorCode.INVALID_BODY, "valid_to must be after valid_from")
    with db.transaction() as s:
        region = _region(s, region_code)
        lock_key(s, f"tax_rate:{region.code}:{body.tax_class}")
        same_key = (TaxRate.region == region.code) & (TaxRate.tax_class == body.tax_class.value)
        if body.supersede:
            # Only an open-ended rate that started earlier is ended; anything else still clashes.
            s.execute(
                update(TaxRate)
                .where(same_key, TaxRate.valid_from < valid_from, TaxRate.valid_to.is_(None))
                .values(valid_to=valid_from)
            )
        refuse_overlap(
            s, TaxRate, same_key, valid_from, body.valid_to, f"A {body.tax_class} rate in {region.code}"
        )
        rate = TaxRate(
            region=region.code,
            tax_class=body.tax_class.value,
            rate=body.rate,
            valid_from=valid_from,
            valid_to=body.valid_to,
        )
        s.add(rate)
        s.flush()
        return _rate_view(rate)


def regions(db: Database, at: datetime | None = None) -> list[TaxRegionView]:
    with db.reader() as s:
        rows = s.scalars(select(TaxRegion).order_by(TaxRegion.code))
        return [_region_view(s, r, at or datetime.now(UTC)) for r in rows]


def region(db: Database, code: str, at: datetime | None = None) -> TaxRegionView:
    with db.reader() as s:
        return _region_view(s, _region(s, code), at or datetime.now(UTC))


def rates(db: Database, region_code: str) -> list[TaxRateView]:
    """Every rate the region has had, has and will have."""
    with db.reader() as s:
        _region(s, region_code)
        rows = s.scalars(
            select(TaxRate)
            .where(TaxRate.region == region_code.upper())
            .order_by(TaxRate.tax_class, TaxRate.valid_from)
        )
        return [_rate_view(r) for r in rows]
