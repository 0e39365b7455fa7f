"""Money arithmetic: Decimal only, rounded to the currency's minor unit (ISO 4217)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum

from domain.errors import ErrorCode, OrdinoError

MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "SEK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "BHD": 3,
}


class Rounding(StrEnum):
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"

    @property
    def decimal_mode(self) -> str:
        return ROUND_HALF_UP if self is Rounding.HALF_UP else ROUND_HALF_EVEN


def minor_unit(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise OrdinoError(ErrorCode.UNSUPPORTED_CURRENCY, f"Currency {currency!r} is not supported") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount: Decimal, currency: str, rounding: Rounding = Rounding.HALF_UP) -> Decimal:
    return amount.quantize(quantum(currency), rounding=rounding.decimal_mode)


def is_minor_unit(amount: Decimal, currency: str) -> bool:
    return amount == amount.quantize(quantum(currency))


def percent(rate: Decimal) -> str:
    """0.22 -> '22%', 0.055 -> '5.5%': a tax rate as people write it."""
    return f"{format((rate * 100).normalize(), 'f')}%"
