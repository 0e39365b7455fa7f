"""payment_tokens: an order's payment token, kept out of Temporal

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign key to orders: the API keeps the token before the order is accepted.
    op.create_table(
        "payment_tokens",
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )


def downgrade() -> None:
    op.drop_table("payment_tokens")
