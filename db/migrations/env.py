from alembic import context
from sqlalchemy import create_engine, pool

from db.engine import sqlalchemy_url
from db.models import Base

configured = context.config.get_main_option("sqlalchemy.url")
assert configured, "db/migrate.py sets sqlalchemy.url"
url = sqlalchemy_url(configured)
connectable = create_engine(url, poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
connectable.dispose()
