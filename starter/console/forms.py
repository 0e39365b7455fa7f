"""Reading a console form into the API's own contracts: the fields as a person filled them
in, validated by the same models the API validates, so a form is refused for the same
reasons a request would be, with the same codes."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from domain.errors import ErrorCode, OrdinoError

M = TypeVar("M", bound=BaseModel)
ADDRESS_FIELDS = ("name", "line1", "line2", "postal_code", "city", "region", "country")


def fresh_reference() -> str:
    """The reference a form carries from the moment it is shown: sending it twice (a double
    click, a reload) makes the action once."""
    return f"console-{secrets.token_hex(8)}"


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def whole(form: FormData, name: str) -> int | str | None:
    """A count typed in a number field; None when left empty, the text when not a number
    (so the contract refuses it with its own message)."""
    value = text(form, name)
    if not value:
        return None
    return int(value) if value.isdecimal() else value


def amount(form: FormData, name: str) -> Decimal | str:
    value = text(form, name).replace(",", ".")
    try:
        return Decimal(value)
    except InvalidOperation:
        return value


def address(form: FormData, prefix: str = "address_") -> dict[str, Any]:
    fields = {f: text(form, prefix + f) for f in ADDRESS_FIELDS}
    return {f: v for f, v in fields.items() if v or f in ("name", "line1", "postal_code", "city", "country")}


def invalid(err: ValidationError) -> OrdinoError:
    """A form's fields refused as the API refuses a body: one message per field."""
    problems = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "form"
        problems.append(f"{where}: {e['msg']}")
    return OrdinoError(ErrorCode.INVALID_BODY, "; ".join(problems))


def validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise invalid(err) from None
