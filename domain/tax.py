"""Tax rules that need no database: tax classes, splitting an amount into net and tax, and
when an EU business customer pays no VAT (reverse charge)."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from domain.money import Rounding, round_money
from domain.vat_numbers import EU_COUNTRIES, vat_country


class TaxClass(StrEnum):
    STANDARD = "standard"
    REDUCED = "reduced"
    SUPER_REDUCED = "super_reduced"
    ZERO = "zero"
    EXEMPT = "exempt"


REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Council Directive 2006/112/EC)."
)


def reverse_charge_applies(
    buyer_vat_id: str | None, seller_country: str, destination: str, *, business_channel: bool
) -> bool:
    """Intra-EU supply of goods to a business: the goods leave the seller's member state for
    another, where the buyer is registered for VAT, so the seller charges no VAT and the buyer
    accounts for it. Only on a channel that sells to businesses: a consumer who types a VAT
    number into a shop's checkout pays VAT like everyone there. (The number's check digits
    are checked where it comes in; whether it is registered, VIES would tell.)"""
    if not buyer_vat_id or not business_channel:
        return False
    return (
        vat_country(buyer_vat_id) == destination
        and destination != seller_country
        and seller_country in EU_COUNTRIES
        and destination in EU_COUNTRIES
    )


def split_tax(
    amount: Decimal, rate: Decimal, currency: str, includes_tax: bool, rounding: Rounding
) -> tuple[Decimal, Decimal, Decimal]:
    """Return (net, tax, total) of one amount, each at the currency's minor unit.

    An inclusive amount keeps its total and the tax is carved out of it, so the customer
    pays exactly the shown price; net + tax == total always holds.
    """
    amount = round_money(amount, currency, rounding)
    if includes_tax:
        tax = round_money(amount * rate / (1 + rate), currency, rounding)
        return amount - tax, tax, amount
    tax = round_money(amount * rate, currency, rounding)
    return amount, tax, amount + tax
