"""price lists, promotions and coupons, shipping zones and rates, tax regions with dated rates

Revision ID: 0007
Revises: 0006

Existing prices become one all-channel price list per currency, and existing tax rates
become rates of one region per country, valid since 2000.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SINCE = "TIMESTAMPTZ '2000-01-01 00:00:00+00'"


def _validity() -> list[sa.Column[Any]]:
    return [
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "tax_regions",
        sa.Column("code", sa.String(10), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("subdivision", sa.String(10), nullable=True),
        sa.Column("rounding", sa.String(10), server_default="half_up", nullable=False),
        sa.UniqueConstraint("country", "subdivision", name="tax_region_place"),
    )
    # The old country-wide US rows were 0% placeholders: US sales tax is per state now, and
    # the reference data adds those states.
    op.execute("DELETE FROM tax_rates WHERE country = 'US'")
    op.execute(
        "INSERT INTO tax_regions (code, name, country) "
        "SELECT DISTINCT country, country, country FROM tax_rates"
    )
    op.rename_table("tax_rates", "tax_rates_by_country")
    op.execute("ALTER INDEX tax_rates_pkey RENAME TO tax_rates_by_country_pkey")
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("region", sa.String(10), sa.ForeignKey("tax_regions.code"), nullable=False),
        sa.Column("tax_class", sa.String(20), nullable=False),
        sa.Column("rate", sa.Numeric(9, 6), nullable=False),
        *_validity(),
        sa.CheckConstraint("rate >= 0 AND rate < 1", name="tax_rate_range"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="tax_rate_validity"),
    )
    op.create_index("ix_tax_rates_region", "tax_rates", ["region"])
    op.execute(
        f"INSERT INTO tax_rates (region, tax_class, rate, valid_from) "
        f"SELECT country, tax_class, rate, {SINCE} FROM tax_rates_by_country"
    )
    op.drop_table("tax_rates_by_country")

    op.create_table(
        "price_lists",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        *_validity(),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="price_list_validity"),
    )
    op.create_table(
        "price_list_prices",
        sa.Column("price_list", sa.String(40), sa.ForeignKey("price_lists.code"), primary_key=True),
        sa.Column("sku", sa.String(40), sa.ForeignKey("products.sku"), primary_key=True),
        sa.Column("amount", sa.Numeric(18, 4), nullable=False),
        sa.CheckConstraint("amount >= 0", name="price_not_negative"),
    )
    op.execute(
        f"INSERT INTO price_lists (code, name, currency, valid_from) "
        f"SELECT DISTINCT 'BASE-' || currency, 'Base prices ' || currency, currency, {SINCE} "
        f"FROM product_prices"
    )
    op.execute(
        "INSERT INTO price_list_prices (price_list, sku, amount) "
        "SELECT 'BASE-' || currency, sku, amount FROM product_prices"
    )
    op.drop_table("product_prices")

    op.create_table(
        "shipping_zones",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("countries", postgresql.ARRAY(sa.String(2)), nullable=False),
    )
    op.create_table(
        "shipping_rates",
        sa.Column("zone", sa.String(20), sa.ForeignKey("shipping_zones.code"), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("from_measure", sa.Numeric(18, 4), primary_key=True),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("price", sa.Numeric(18, 4), nullable=False),
        sa.Column("tax_class", sa.String(20), nullable=False),
        sa.CheckConstraint("price >= 0 AND from_measure >= 0", name="shipping_rate_positive"),
    )

    op.create_table(
        "promotions",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.Numeric(18, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("skus", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("min_subtotal", sa.Numeric(18, 4), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("coupon", sa.Boolean(), nullable=False),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("times_used", sa.Integer(), nullable=False),
        *_validity(),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "usage_limit IS NULL OR times_used <= usage_limit", name="coupon_not_over_consumed"
        ),
        sa.CheckConstraint("times_used >= 0 AND value >= 0", name="promotion_not_negative"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="promotion_validity"),
    )
    op.create_table(
        "coupon_redemptions",
        sa.Column("promotion", sa.String(40), sa.ForeignKey("promotions.code"), primary_key=True),
        sa.Column("order_id", sa.String(100), sa.ForeignKey("orders.id"), primary_key=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("coupon_redemptions")
    op.drop_table("promotions")
    op.drop_table("shipping_rates")
    op.drop_table("shipping_zones")
    op.create_table(
        "product_prices",
        sa.Column("sku", sa.String(40), sa.ForeignKey("products.sku"), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("amount", sa.Numeric(18, 4), nullable=False),
        sa.CheckConstraint("amount >= 0", name="price_not_negative"),
    )
    op.execute(
        "INSERT INTO product_prices (sku, currency, amount) "
        "SELECT p.sku, l.currency, p.amount FROM price_list_prices p "
        "JOIN price_lists l ON l.code = p.price_list WHERE l.channel IS NULL AND l.valid_to IS NULL "
        "ON CONFLICT DO NOTHING"
    )
    op.drop_table("price_list_prices")
    op.drop_table("price_lists")
    op.rename_table("tax_rates", "tax_rates_dated")
    op.execute("ALTER INDEX tax_rates_pkey RENAME TO tax_rates_dated_pkey")
    op.create_table(
        "tax_rates",
        sa.Column("country", sa.String(2), primary_key=True),
        sa.Column("tax_class", sa.String(20), primary_key=True),
        sa.Column("rate", sa.Numeric(9, 6), nullable=False),
    )
    op.execute(
        "INSERT INTO tax_rates (country, tax_class, rate) "
        "SELECT g.country, r.tax_class, r.rate FROM tax_rates_dated r "
        "JOIN tax_regions g ON g.code = r.region "
        "WHERE g.subdivision IS NULL AND r.valid_to IS NULL ON CONFLICT DO NOTHING"
    )
    op.drop_table("tax_rates_dated")
    op.drop_table("tax_regions")
