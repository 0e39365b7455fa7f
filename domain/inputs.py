"""What any text or moment a person or a system sends may be: bounded, free of control
characters, and storable as it is. Every request model builds its fields from these, so
the rule lives here once and reaches the OpenAPI document as a pattern and bounds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, GetCoreSchemaHandler, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError, core_schema

# C0 and C1 control characters and DEL: a NUL cannot be stored in PostgreSQL text, and the
# others corrupt logs, mails and documents. Multi-line fields keep tab, LF and CR.
CONTROL = r"\x00-\x1f\x7f-\x9f"  # for a character class
ONE_LINE = rf"^[^{CONTROL}]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"


@dataclass(frozen=True)
class Text:
    """Annotated[str, Text(200)]: at most max_length characters as sent, no control
    characters, then trimmed; what is left must still have min_length characters."""

    max_length: int
    min_length: int = 1
    multiline: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        raw = core_schema.str_schema(
            max_length=self.max_length,
            min_length=self.min_length,
            pattern=MULTI_LINE if self.multiline else ONE_LINE,
        )
        return core_schema.no_info_after_validator_function(self._trimmed, raw)

    def _trimmed(self, value: str) -> str:
        value = value.strip()
        if len(value) < self.min_length:
            raise PydanticCustomError(
                "string_too_short",
                "String should have at least {min_length} characters besides spaces",
                {"min_length": self.min_length},
            )
        return value


# Numbers and flags as JSON writes them: true is not 1 and "5" is not 5, though pydantic's
# lax mode would take both (and the OpenAPI document says integer or boolean).
Whole = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]

# Moments that Python, PostgreSQL and every time zone offset agree on.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$")


def _moment(value: Any) -> Any:
    """An RFC 3339 date-time with its offset, never a number (0.5 is not a date in 1970)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and RFC3339.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            return value  # pydantic says what is wrong with it
    else:
        raise PydanticCustomError("datetime_type", "Input should be a date-time such as 2030-01-31T09:00:00Z")
    if moment.tzinfo is not None and not EARLIEST <= moment <= LATEST:
        raise PydanticCustomError("datetime_range", "Input should be between 1970 and 9999")
    return value


Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_moment),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "description": "RFC 3339, with an offset; 1970 to 9999"}
    ),
]
