"""a fulfillment an edit took all units from is cancelled

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("fulfillment_status", "fulfillments", type_="check")
    op.create_check_constraint(
        "fulfillment_status", "fulfillments", "status IN ('picking', 'packed', 'cancelled')"
    )


def downgrade() -> None:
    op.execute("UPDATE fulfillments SET status = 'picking' WHERE status = 'cancelled'")
    op.drop_constraint("fulfillment_status", "fulfillments", type_="check")
    op.create_check_constraint("fulfillment_status", "fulfillments", "status IN ('picking', 'packed')")
