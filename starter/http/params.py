"""Path and query parameters: the same text rule as request bodies (no control
characters, bounded), and pages that start where the database can go."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from domain.inputs import Text
from starter.http.limits import MAX_OFFSET

# Order ids are a channel and an external id; ids, numbers and codes are shorter.
OrderId = Annotated[str, Text(100)]
Key = Annotated[str, Text(64)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
# Ids the database gives out (a bigint), such as an alert's.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
