"""Gap-free document numbers per series and year. The counter row stays locked until the
caller's transaction commits: a concurrent issuer waits, and a rollback gives the number
back, so no number is ever skipped or used twice."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from db.models import InvoiceCounter


def next_number(session: Session, series: str, year: int) -> tuple[str, int]:
    sequence = session.execute(
        insert(InvoiceCounter)
        .values(series=series, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[InvoiceCounter.series, InvoiceCounter.year],
            set_={"last_number": InvoiceCounter.last_number + 1},
        )
        .returning(InvoiceCounter.last_number)
    ).scalar_one()
    return f"{series}-{year}-{sequence:06d}", sequence
