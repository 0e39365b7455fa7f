"""Reference data every installation needs (tax rates) and a demo catalog for the dev stack.
Seeding is idempotent: running it again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from db import stock
from db.engine import Database
from db.models import (
    PriceList,
    PriceListPrice,
    Product,
    PromotionRow,
    ShippingRate,
    ShippingZone,
    StockLevel,
    TaxRate,
    TaxRegion,
    Warehouse,
)

SINCE = datetime(2000, 1, 1, tzinfo=UTC)

# Tax regions: code, name, country, state or province, rounding.
TAX_REGIONS: list[tuple[str, str, str, str | None, str]] = [
    ("IT", "Italy", "IT", None, "half_up"),
    ("DE", "Germany", "DE", None, "half_up"),
    ("FR", "France", "FR", None, "half_up"),
    ("ES", "Spain", "ES", None, "half_up"),
    ("NL", "Netherlands", "NL", None, "half_up"),
    ("AT", "Austria", "AT", None, "half_up"),
    ("BE", "Belgium", "BE", None, "half_up"),
    ("GB", "United Kingdom", "GB", None, "half_up"),
    # US sales tax is per state (here with New York City's combined rate); prices exclude it.
    ("US-NY", "New York City, NY", "US", "NY", "half_up"),
    ("US-CA", "California (state rate)", "US", "CA", "half_up"),
    ("US-TX", "Texas (state rate)", "US", "TX", "half_up"),
]

# VAT rates from the EU's table of rates (standard, reduced, super-reduced). Countries without
# a super-reduced rate tax that class at their lowest reduced rate. US states exempt
# groceries and books from sales tax, which the reduced classes stand for there.
TAX_RATES: list[tuple[str, str, str]] = [
    ("IT", "standard", "0.22"), ("IT", "reduced", "0.10"), ("IT", "super_reduced", "0.04"),
    ("DE", "standard", "0.19"), ("DE", "reduced", "0.07"), ("DE", "super_reduced", "0.07"),
    ("FR", "standard", "0.20"), ("FR", "reduced", "0.055"), ("FR", "super_reduced", "0.021"),
    ("ES", "standard", "0.21"), ("ES", "reduced", "0.10"), ("ES", "super_reduced", "0.04"),
    ("NL", "standard", "0.21"), ("NL", "reduced", "0.09"), ("NL", "super_reduced", "0.09"),
    ("AT", "standard", "0.20"), ("AT", "reduced", "0.10"), ("AT", "super_reduced", "0.10"),
    ("BE", "standard", "0.21"), ("BE", "reduced", "0.06"), ("BE", "super_reduced", "0.06"),
    ("GB", "standard", "0.20"), ("GB", "reduced", "0.05"), ("GB", "super_reduced", "0.05"),
    ("US-NY", "standard", "0.08875"), ("US-NY", "reduced", "0"), ("US-NY", "super_reduced", "0"),
    ("US-CA", "standard", "0.0725"), ("US-CA", "reduced", "0"), ("US-CA", "super_reduced", "0"),
    ("US-TX", "standard", "0.0625"), ("US-TX", "reduced", "0"), ("US-TX", "super_reduced", "0"),
]  # fmt: skip
TAX_RATES += [(region, cls, "0") for region, *_ in TAX_REGIONS for cls in ("zero", "exempt")]

EU_OTHER = ["AT", "BE", "DE", "ES", "FR", "NL"]
# Shipping zones and their tiers: zone, currency, basis, from (grams or value), price.
SHIPPING_ZONES: list[tuple[str, str, list[str]]] = [
    ("IT", "Italy", ["IT"]),
    ("EU", "European Union", EU_OTHER),
    ("UK", "United Kingdom", ["GB"]),
    ("US", "United States", ["US"]),
]
SHIPPING_RATES: list[tuple[str, str, str, str, str]] = [
    ("IT", "EUR", "weight", "0", "4.90"), ("IT", "EUR", "weight", "10000", "9.90"),
    ("IT", "EUR", "weight", "30000", "19.90"),
    ("IT", "USD", "weight", "0", "5.90"), ("IT", "USD", "weight", "10000", "11.90"),
    ("EU", "EUR", "weight", "0", "8.90"), ("EU", "EUR", "weight", "10000", "14.90"),
    ("EU", "USD", "weight", "0", "9.90"), ("EU", "USD", "weight", "10000", "16.90"),
    ("UK", "EUR", "weight", "0", "14.90"), ("UK", "GBP", "weight", "0", "12.50"),
    ("US", "USD", "order_value", "0", "9.90"), ("US", "USD", "order_value", "50", "5.90"),
    ("US", "USD", "order_value", "100", "0"),
]  # fmt: skip

WAREHOUSES: list[tuple[str, str, str, int]] = [
    ("MIL", "Milan fulfilment centre", "IT", 10),
    ("BER", "Berlin fulfilment centre", "DE", 20),
]

# sku, name, tax class, weight in grams, EUR price, USD price, stock per warehouse
DEMO_PRODUCTS: list[tuple[str, str, str, int, str, str, dict[str, int]]] = [
    ("MUG-CLASSIC", "Classic espresso mug", "standard", 350, "12.90", "14.00", {"MIL": 200, "BER": 50}),
    (
        "BEANS-1KG",
        "Single-origin coffee beans 1 kg",
        "reduced",
        1000,
        "24.50",
        "27.00",
        {"MIL": 120, "BER": 80},
    ),
    ("GRINDER-HAND", "Hand grinder", "standard", 700, "59.00", "65.00", {"MIL": 15, "BER": 30}),
    ("KETTLE-GOOSE", "Gooseneck kettle", "standard", 1200, "79.90", "89.00", {"BER": 25}),
    ("FILTER-100", "Paper filters, 100 pcs", "standard", 150, "4.99", "5.50", {"MIL": 500, "BER": 500}),
    ("BOOK-BREW", "The Brewing Handbook", "reduced", 600, "29.00", "32.00", {"MIL": 40}),
]


def seed_reference_data(db: Database) -> None:
    with db.transaction() as s:
        s.execute(
            insert(TaxRegion)
            .values(
                [
                    {"code": c, "name": n, "country": k, "subdivision": sub, "rounding": r}
                    for c, n, k, sub, r in TAX_REGIONS
                ]
            )
            .on_conflict_do_nothing()
        )
        # Rates have no natural key: add a seed rate only where its region has none of its
        # class yet, so rates set by administrators are left as they are.
        seeded = {(g, k) for g, k in s.execute(select(TaxRate.region, TaxRate.tax_class).distinct())}
        fresh = [(g, k, r) for g, k, r in TAX_RATES if (g, k) not in seeded]
        if fresh:
            s.execute(
                insert(TaxRate).values(
                    [
                        {"region": g, "tax_class": k, "rate": Decimal(r), "valid_from": SINCE}
                        for g, k, r in fresh
                    ]
                )
            )
        s.execute(
            insert(ShippingZone)
            .values([{"code": c, "name": n, "countries": k} for c, n, k in SHIPPING_ZONES])
            .on_conflict_do_nothing()
        )
        s.execute(
            insert(ShippingRate)
            .values(
                [
                    {"zone": z, "currency": c, "basis": b, "from_measure": Decimal(f), "price": Decimal(p),
                     "tax_class": "standard"}
                    for z, c, b, f, p in SHIPPING_RATES
                ]
            )
            .on_conflict_do_nothing()
        )  # fmt: skip
        s.execute(
            insert(Warehouse)
            .values([{"code": c, "name": n, "country": k, "priority": p} for c, n, k, p in WAREHOUSES])
            .on_conflict_do_nothing()
        )


PRICE_LISTS: list[tuple[str, str, str | None, str]] = [
    ("BASE-EUR", "Base prices EUR", None, "EUR"),
    ("BASE-USD", "Base prices USD", None, "USD"),
    ("B2B-EUR", "Trade prices EUR (before VAT)", "b2b", "EUR"),
]

_PROMOTION: dict[str, object] = {
    "currency": None, "skus": [], "min_subtotal": None, "coupon": False,
    "usage_limit": None, "times_used": 0, "valid_from": SINCE, "active": True,
}  # fmt: skip
DEMO_PROMOTIONS: list[dict[str, object]] = [
    _PROMOTION | {"code": "FREESHIP-150", "description": "Free shipping from 150 EUR",
                  "kind": "free_shipping", "value": Decimal(0), "currency": "EUR",
                  "min_subtotal": Decimal(150)},
    _PROMOTION | {"code": "WELCOME10", "description": "10% welcome discount", "kind": "percentage",
                  "value": Decimal("0.10"), "coupon": True, "usage_limit": 1000},
    _PROMOTION | {"code": "BEANS-2OFF", "description": "2 EUR off every bag of beans", "kind": "fixed_amount",
                  "value": Decimal(2), "currency": "EUR", "skus": ["BEANS-1KG"], "coupon": True},
]  # fmt: skip


def trade_price(consumer_price: str) -> Decimal:
    """Trade customers buy at 15% off the consumer price before Italian VAT."""
    return round(Decimal(consumer_price) / Decimal("1.22") * Decimal("0.85"), 2)


def seed_demo_catalog(db: Database) -> None:
    seed_reference_data(db)
    with db.transaction() as s:
        s.execute(
            insert(PriceList)
            .values([{"code": c, "name": n, "channel": ch, "currency": cur, "valid_from": SINCE}
                     for c, n, ch, cur in PRICE_LISTS])
            .on_conflict_do_nothing()
        )  # fmt: skip
        s.execute(insert(PromotionRow).values(DEMO_PROMOTIONS).on_conflict_do_nothing())
        for sku, name, tax_class, grams, eur, usd, levels in DEMO_PRODUCTS:
            s.execute(
                insert(Product)
                .values(sku=sku, name=name, tax_class=tax_class, weight_grams=grams)
                .on_conflict_do_nothing()
            )
            s.execute(
                insert(PriceListPrice)
                .values(
                    [
                        {"price_list": "BASE-EUR", "sku": sku, "amount": Decimal(eur)},
                        {"price_list": "BASE-USD", "sku": sku, "amount": Decimal(usd)},
                        {"price_list": "B2B-EUR", "sku": sku, "amount": trade_price(eur)},
                    ]
                )
                .on_conflict_do_nothing()
            )  # fmt: skip
            for warehouse, qty in levels.items():
                stock.receive(s, sku, warehouse, qty, reference="demo-catalog")
                # A reorder point at a fifth of the opening stock, unless someone set one.
                s.execute(
                    update(StockLevel)
                    .where(
                        StockLevel.sku == sku,
                        StockLevel.warehouse == warehouse,
                        StockLevel.reorder_point == 0,
                    )
                    .values(reorder_point=max(qty // 5, 2), reorder_quantity=max(qty // 2, 5))
                )
