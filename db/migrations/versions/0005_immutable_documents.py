"""issued invoices and credit notes can never be changed or deleted

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("invoices", "credit_notes")


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION ordino_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% % is issued and cannot be changed; correct it with a credit note',
                TG_TABLE_NAME, OLD.number USING ERRCODE = 'restrict_violation';
        END $$
    """)
    for table in TABLES:
        op.execute(f"""
            CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION ordino_refuse_change()
        """)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_immutable ON {table}")
    op.execute("DROP FUNCTION ordino_refuse_change()")
