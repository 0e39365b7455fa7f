"""Reference data every installation needs (tax rates) and a demo catalog for the dev stack.
Seeding is idempotent: running it again changes nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from db import stock
from db.engine import Database
from db.models import Product, ProductPrice, StockLevel, TaxRate, Warehouse

# Standard and reduced VAT rates (EU, 2026) and a tax-exclusive US-style zero baseline.
TAX_RATES: list[tuple[str, str, str]] = [
    ("IT", "standard", "0.22"), ("IT", "reduced", "0.10"), ("IT", "super_reduced", "0.04"),
    ("DE", "standard", "0.19"), ("DE", "reduced", "0.07"),
    ("FR", "standard", "0.20"), ("FR", "reduced", "0.055"),
    ("ES", "standard", "0.21"), ("ES", "reduced", "0.10"),
    ("NL", "standard", "0.21"), ("NL", "reduced", "0.09"),
    ("AT", "standard", "0.20"), ("AT", "reduced", "0.10"),
    ("GB", "standard", "0.20"), ("GB", "reduced", "0.05"),
    ("US", "standard", "0.00"), ("US", "reduced", "0.00"),
]  # fmt: skip

for _c, _cls in {(c, "zero") for c, _, _ in TAX_RATES} | {(c, "exempt") for c, _, _ in TAX_RATES}:
    TAX_RATES.append((_c, _cls, "0"))

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
            insert(TaxRate)
            .values([{"country": c, "tax_class": k, "rate": Decimal(r)} for c, k, r in TAX_RATES])
            .on_conflict_do_nothing()
        )
        s.execute(
            insert(Warehouse)
            .values([{"code": c, "name": n, "country": k, "priority": p} for c, n, k, p in WAREHOUSES])
            .on_conflict_do_nothing()
        )


def seed_demo_catalog(db: Database) -> None:
    seed_reference_data(db)
    with db.transaction() as s:
        for sku, name, tax_class, grams, eur, usd, levels in DEMO_PRODUCTS:
            s.execute(
                insert(Product)
                .values(sku=sku, name=name, tax_class=tax_class, weight_grams=grams)
                .on_conflict_do_nothing()
            )
            s.execute(
                insert(ProductPrice)
                .values(
                    [
                        {"sku": sku, "currency": "EUR", "amount": Decimal(eur)},
                        {"sku": sku, "currency": "USD", "amount": Decimal(usd)},
                    ]
                )
                .on_conflict_do_nothing()
            )
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
