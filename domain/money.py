"""Money arithmetic: Decimal only, rounded to the currency's minor unit (ISO 4217)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import Field

from domain.errors import ErrorCode, OrdinoError

K = TypeVar("K", bound=str | int)

# Any amount sent in (a price, a discount, a refund): under 100 million with at most four
# decimals, so an order's sums (100 lines of 1000 units) still fit NUMERIC(18, 4).
MAX_AMOUNT = Decimal("99999999.9999")
Amount = Annotated[Decimal, Field(le=MAX_AMOUNT, max_digits=12, decimal_places=4)]

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


def distribute(total: Decimal, weights: Mapping[K, Decimal | int], currency: str) -> dict[K, Decimal]:
    """Divide total in proportion to weights at the currency's minor unit, summing exactly.

    Each share is rounded down, then the minor units left over go to the largest
    remainders (ties by key, so the result never depends on dict order). Used wherever one
    amount is spread over parts: a discount over lines, a line over parcels.
    """
    unit = quantum(currency)
    whole = sum(weights.values(), Decimal(0))
    if whole == 0:
        # Nothing to weigh by: spread evenly rather than divide by zero.
        weights = {k: Decimal(1) for k in weights}
        whole = Decimal(len(weights))
    shares = {k: total * Decimal(w) / whole for k, w in weights.items()}
    parts = {k: (v / unit).to_integral_value(rounding=ROUND_FLOOR) * unit for k, v in shares.items()}
    leftover = int((total - sum(parts.values(), Decimal(0))) / unit)
    for k in sorted(shares, key=lambda k: (parts[k] - shares[k], k))[:leftover]:
        parts[k] += unit
    return parts
