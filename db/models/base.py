"""The declarative base and the column types every table shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    Numeric,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Money = Numeric(18, 4)


Rate = Numeric(9, 6)  # US combined sales tax rates have five decimals (0.08875)


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())
