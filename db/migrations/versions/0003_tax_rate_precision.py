"""tax rates with six decimals, for US combined sales tax rates such as 0.08875

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = [("tax_rates", "rate"), ("order_lines", "tax_rate")]


def upgrade() -> None:
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.Numeric(9, 6), existing_type=sa.Numeric(7, 4))


def downgrade() -> None:
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.Numeric(7, 4), existing_type=sa.Numeric(9, 6))
