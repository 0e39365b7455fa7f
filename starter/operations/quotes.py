"""Pricing a basket as an order placed now would be priced, without placing it: the API's
POST /quotes and `ordino quote`. Coupons are checked, not used."""

from __future__ import annotations

from datetime import UTC, datetime

from activities.pricing import price_order
from db.engine import Database
from domain import vat_numbers
from domain.errors import ErrorCode, OrdinoError
from domain.orders import Basket
from domain.quote import Quote
from settings import Settings


def price_basket(db: Database, settings: Settings, basket: Basket) -> Quote:
    channel = settings.channels.get(basket.channel)
    if channel is None:
        raise OrdinoError(ErrorCode.UNKNOWN_CHANNEL, f"Unknown sales channel {basket.channel!r}")
    vat_numbers.refuse_invalid(basket.vat_id, "vat_id")
    with db.reader() as s:
        return price_order(s, basket, channel, settings.seller_country, datetime.now(UTC))
