"""The bounds of the HTTP API: how large a request body may be and how far a page may
start. Field bounds live with the request models (domain/inputs.py, domain/money.py)."""

from __future__ import annotations

# A price list of 5000 prices is about 300 KB; nothing legitimate comes near 1 MiB.
MAX_BODY_BYTES = 1024 * 1024
# Far beyond any real table, and far below PostgreSQL's BIGINT OFFSET (2^63 - 1).
MAX_OFFSET = 1_000_000_000
