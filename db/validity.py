"""Rows valid for a period (price lists, tax rates): two rows for the same key never
overlap. Writers hold a transaction-scoped advisory lock on the key while they check and
insert, so two concurrent writers cannot both pass the check."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.orm import Session

from domain.errors import ErrorCode, OrdinoError


def lock_key(s: Session, key: str) -> None:
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def refuse_overlap(
    s: Session,
    entity: Any,
    same_key: ColumnElement[bool],
    valid_from: datetime,
    valid_to: datetime | None,
    what: str,
) -> None:
    """Raise overlapping_validity if a row with the same key is valid at any moment of
    [valid_from, valid_to). Open ends (NULL valid_to) run forever."""
    clash = s.scalar(
        select(func.count())
        .select_from(entity)
        .where(
            same_key,
            or_(entity.valid_to.is_(None), entity.valid_to > valid_from),
            *([entity.valid_from < valid_to] if valid_to is not None else []),
        )
    )
    if clash:
        raise OrdinoError(
            ErrorCode.OVERLAPPING_VALIDITY,
            f"{what} is already defined for part of that period; end the current one first",
            {"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat() if valid_to else None},
        )
