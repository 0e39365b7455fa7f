"""returns and their lines

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("id", sa.String(120), primary_key=True),
        sa.Column("order_id", sa.String(100), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("resolution", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("label_tracking_number", sa.String(64), nullable=True),
        sa.Column("warehouse", sa.String(20), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded", sa.Numeric(18, 4), nullable=False),
        sa.Column("outcome", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("order_id", "reference", name="returns_once_per_reference"),
    )
    op.create_index("ix_returns_order_id", "returns", ["order_id"])
    op.create_table(
        "return_lines",
        sa.Column("return_id", sa.String(120), sa.ForeignKey("returns.id"), primary_key=True),
        sa.Column("sku", sa.String(40), sa.ForeignKey("products.sku"), primary_key=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("exchange_sku", sa.String(40), sa.ForeignKey("products.sku"), nullable=True),
        sa.Column("resellable", sa.Integer(), nullable=False),
        sa.Column("damaged", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "quantity > 0 AND resellable + damaged <= quantity AND accepted <= quantity",
            name="return_line_quantities",
        ),
    )


def downgrade() -> None:
    op.drop_table("return_lines")
    op.drop_table("returns")
