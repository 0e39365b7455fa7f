"""VAT identification numbers of EU member states: how people may write one, the form it is
stored and priced in, and whether it can exist at all (its country prefix, length and check
digits, checked offline by python-stdnum). Whether it is registered only VIES could tell,
and Ordino asks nobody."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, ValidationError

from domain.errors import ErrorCode, OrdinoError

# Member states as VAT numbers spell them (Greece is EL in VAT numbers, GR in addresses).
EU_VAT_PREFIXES: dict[str, str] = {
    c: c
    for c in [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
} | {"EL": "GR"}
EU_COUNTRIES = frozenset(EU_VAT_PREFIXES.values())

# What people put between the characters of a VAT number ("DE 123.456.788", "be 0123-456-749").
SEPARATOR = r"[ .-]"
MAX_LENGTH_AS_SENT = 32
# The stored form: country prefix and 2-13 letters or digits, the shape every EU VAT number has.
STORED = r"^[A-Z]{2}[0-9A-Z]{2,13}$"
# The same, as people may send it: in any case, with separators anywhere.
_gap = f"{SEPARATOR}*"
AS_SENT = rf"^{_gap}[A-Za-z]{_gap}[A-Za-z]({_gap}[0-9A-Za-z]){{2,13}}{_gap}$"


def normalise(raw: str) -> str:
    """Without separators, in capitals. Only ASCII is upper-cased, so "ß" does not become
    "SS" and pass."""
    compact = re.sub(SEPARATOR, "", raw)
    return compact.upper() if compact.isascii() else compact


def _normalised(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # pydantic says it is not a string
    if len(value) > MAX_LENGTH_AS_SENT:
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters",
            {"max_length": MAX_LENGTH_AS_SENT},
        )
    return normalise(value)


# A VAT number in any model: normalised, then of the stored shape. Its check digits are checked
# where a request comes in (`refuse_invalid`), not here: workflows and activities read this type
# back from histories and stored orders, which must stay readable whatever the rule says today.
VatId = Annotated[
    str,
    BeforeValidator(_normalised),
    StringConstraints(pattern=STORED),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AS_SENT,
            "maxLength": MAX_LENGTH_AS_SENT,
            "description": "An EU VAT number with its country prefix (EL for Greece), in any case; "
            "spaces, dots and hyphens are dropped. Its check digits must be right (422 invalid_vat_id).",
        }
    ),
]


class VatIdFault(StrEnum):
    """Why a VAT number cannot exist: `details.reason` of `invalid_vat_id`."""

    UNKNOWN_COUNTRY = "unknown_country"
    INVALID_FORMAT = "invalid_format"  # its country's length, characters or parts
    INVALID_CHECK_DIGIT = "invalid_check_digit"


def fault(vat_id: str) -> VatIdFault | None:
    """What is wrong with a normalised VAT number, or None if it can exist."""
    if vat_id[:2] not in EU_VAT_PREFIXES:
        return VatIdFault.UNKNOWN_COUNTRY
    try:
        eu_vat.validate(vat_id)
    except InvalidChecksum:
        return VatIdFault.INVALID_CHECK_DIGIT
    except ValidationError:
        return VatIdFault.INVALID_FORMAT
    return None


_MESSAGES = {
    VatIdFault.UNKNOWN_COUNTRY: "{vat_id} is not an EU VAT number: one starts with its member state's "
    "code, such as DE or FR (EL for Greece)",
    VatIdFault.INVALID_FORMAT: "{vat_id} does not have the length or characters of a {prefix} VAT number",
    VatIdFault.INVALID_CHECK_DIGIT: "The check digit of VAT number {vat_id} is wrong: a character is "
    "mistyped",
}


def refuse_invalid(vat_id: str | None, field: str) -> None:
    """Refuse a request whose VAT number cannot exist (`422 invalid_vat_id`), naming the field."""
    if vat_id is None or (why := fault(vat_id)) is None:
        return
    raise OrdinoError(
        ErrorCode.INVALID_VAT_ID,
        _MESSAGES[why].format(vat_id=vat_id, prefix=vat_id[:2]),
        {"field": field, "vat_id": vat_id, "reason": why.value},
    )


def vat_country(vat_id: str) -> str | None:
    """The member state a VAT number belongs to, or None outside the EU."""
    return EU_VAT_PREFIXES.get(vat_id[:2].upper())
