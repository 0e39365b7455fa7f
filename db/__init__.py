"""PostgreSQL: tables, sessions, migrations and the embedded server for development."""
