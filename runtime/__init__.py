"""What every Ordino process needs to run, whatever its kind, so that the worker (worker.py)
and the entry points (starter/) share it without importing each other: the Temporal client
and its runtime (temporal_client.py), the PostgreSQL to use (database.py), and the worker's
own health probe (worker_health.py)."""
