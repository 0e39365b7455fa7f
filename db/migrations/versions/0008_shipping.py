"""shipping: pick and pack per warehouse, parcel labels and costs, reshipments, feedback,
the sandbox carrier's journeys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 20:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfillments",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("warehouse", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("weight_grams", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("packed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("packed_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("status IN ('picking', 'packed')", name="fulfillment_status"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["warehouse"], ["warehouses.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id", "warehouse", name="fulfillments_one_per_warehouse"),
    )
    op.create_index(op.f("ix_fulfillments_order_id"), "fulfillments", ["order_id"], unique=False)
    op.create_table(
        "order_feedback",
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="feedback_rating_range"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.add_column("shipments", sa.Column("weight_grams", sa.Integer(), nullable=True))
    op.add_column("shipments", sa.Column("cost", sa.Numeric(precision=18, scale=4), nullable=True))
    op.add_column("shipments", sa.Column("label_pdf", sa.LargeBinary(), nullable=True))
    op.add_column("shipments", sa.Column("replaces", sa.String(length=64), nullable=True))
    op.add_column("sandbox_carrier_parcels", sa.Column("sender", sa.String(length=20), nullable=True))
    op.add_column(
        "sandbox_carrier_parcels",
        sa.Column("journey", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("sandbox_carrier_parcels", "journey")
    op.drop_column("sandbox_carrier_parcels", "sender")
    op.drop_column("shipments", "replaces")
    op.drop_column("shipments", "label_pdf")
    op.drop_column("shipments", "cost")
    op.drop_column("shipments", "weight_grams")
    op.drop_table("order_feedback")
    op.drop_index(op.f("ix_fulfillments_order_id"), table_name="fulfillments")
    op.drop_table("fulfillments")
