"""VAT numbers: how they may be written, the form they are stored in, and which can exist
(country prefix, length and check digits), per member state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from domain.errors import HTTP_STATUS, ErrorCode, OrdinoError
from domain.orders import Basket, Customer
from domain.vat_numbers import VatId, VatIdFault, fault, normalise, refuse_invalid
from settings import Settings

# Made-up numbers whose check digits are right.
VALID = [
    "ATU12345675",
    "BE0123456749",
    "CZ12345679",
    "DE123456788",
    "DK12345674",
    "EL123456783",  # Greece
    "ESB12345674",
    "FI12345671",
    "FR11123456782",
    "IE1234567T",
    "IT01234560157",
    "LU12345613",
    "NL123456782B01",
    "PT123456789",
    "SE123456789701",
]


@pytest.mark.parametrize("vat_id", VALID)
def test_numbers_whose_check_digits_are_right_can_exist(vat_id):
    assert fault(vat_id) is None
    refuse_invalid(vat_id, "vat_id")  # does not raise


@pytest.mark.parametrize(
    ("vat_id", "why"),
    [
        ("DE123456789", VatIdFault.INVALID_CHECK_DIGIT),  # DE123456788 with its last digit off by one
        ("ATU12345676", VatIdFault.INVALID_CHECK_DIGIT),
        ("BE0123456748", VatIdFault.INVALID_CHECK_DIGIT),
        ("EL123456789", VatIdFault.INVALID_CHECK_DIGIT),
        ("FR12123456782", VatIdFault.INVALID_CHECK_DIGIT),
        ("NL123456783B01", VatIdFault.INVALID_CHECK_DIGIT),
        ("IT01234560158", VatIdFault.INVALID_CHECK_DIGIT),
        ("ESB12345675", VatIdFault.INVALID_CHECK_DIGIT),
        ("IT01234567890", VatIdFault.INVALID_FORMAT),  # 789 is no Italian tax office
        ("DE12345678", VatIdFault.INVALID_FORMAT),  # a digit short
        ("ATU1234567", VatIdFault.INVALID_FORMAT),
        ("NL123456782C01", VatIdFault.INVALID_FORMAT),
        ("GR123456783", VatIdFault.UNKNOWN_COUNTRY),  # Greece's VAT numbers start with EL
        ("GB123456789", VatIdFault.UNKNOWN_COUNTRY),  # no longer a member state
        ("XX123456789", VatIdFault.UNKNOWN_COUNTRY),
        ("US123456789", VatIdFault.UNKNOWN_COUNTRY),
    ],
)
def test_a_wrong_check_digit_length_or_country_is_found(vat_id, why):
    assert fault(vat_id) is why


def test_a_refusal_is_422_invalid_vat_id_naming_the_field_and_the_reason():
    with pytest.raises(OrdinoError) as refused:
        refuse_invalid("DE123456789", "customer.vat_id")
    err = refused.value
    assert (err.code, HTTP_STATUS[err.code]) == (ErrorCode.INVALID_VAT_ID, 422)
    assert err.details == {
        "field": "customer.vat_id",
        "vat_id": "DE123456789",
        "reason": "invalid_check_digit",
    }
    assert "check digit" in err.message
    with pytest.raises(OrdinoError) as greek:
        refuse_invalid("GR123456783", "vat_id")
    assert greek.value.details["reason"] == "unknown_country" and "EL for Greece" in greek.value.message
    refuse_invalid(None, "vat_id")  # no number, nothing to check


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("DE123456788", "DE123456788"),
        ("de123456788", "DE123456788"),
        ("DE 123 456 788", "DE123456788"),
        (" de 123.456.788 ", "DE123456788"),
        ("BE 0123.456.749", "BE0123456749"),
        ("nl-1234.56.782-b01", "NL123456782B01"),
        ("atu 12345675", "ATU12345675"),
    ],
)
def test_numbers_are_stored_without_separators_in_capitals(sent, stored):
    assert normalise(sent) == stored
    assert TypeAdapter(VatId).validate_python(sent) == stored
    customer = Customer(id="c", email="a@b.example", name="ACME", vat_id=sent)
    assert customer.vat_id == stored
    assert fault(stored) is None


@pytest.mark.parametrize(
    "sent",
    [
        "DE12345678/8",  # a separator it does not know
        "DE_123456788",
        "ÐE123456788",  # only ASCII is upper-cased, so no look-alike slips through
        "straße123",
        "D",
        "DE1",
        "DE" + "1" * 14,  # longer than any member state's
        "DE" + " " * 40 + "123456788",  # longer than anyone writes one
        "123456788",  # no country prefix
    ],
)
def test_what_is_not_the_shape_of_a_vat_number_is_an_invalid_body(sent):
    with pytest.raises(ValidationError):
        TypeAdapter(VatId).validate_python(sent)


def test_the_shape_is_checked_everywhere_and_the_check_digits_where_requests_come_in():
    """Histories and stored orders read the type back, whatever today's rule says of them."""
    address = {"name": "A", "line1": "B 1", "postal_code": "10115", "city": "Berlin", "country": "DE"}
    lines = [{"sku": "MUG", "quantity": 1}]
    basket = Basket(
        channel="b2b", shipping_address=address, lines=lines, currency="EUR", vat_id="de123456789"
    )
    assert basket.vat_id == "DE123456789"


def test_the_documented_pattern_takes_what_the_type_takes():
    schema = TypeAdapter(VatId).json_schema()
    assert schema["maxLength"] == 32 and "invalid_vat_id" in schema["description"]
    documented = re.compile(schema["pattern"])
    for sent in ["DE123456788", " de 123.456.788 ", "nl-1234.56.782-b01", "ATU12345675"]:
        assert documented.match(sent), sent
    for sent in ["DE12345678/8", "123456788", "DE1", "DE" + "1" * 14]:
        assert not documented.match(sent), sent


ROOT = Path(__file__).resolve().parents[2]
# What the project ships or shows: demo data, examples, docs, shared test bodies, benchmarks.
SHIPPED = ["README.md", "settings.py", "docs/*.md", "examples/*", "tests/support/*.py", "bench/**/*.py",
           "db/**/*.py", "providers/**/*.py", "starter/**/*.py"]  # fmt: skip
LOOKS_LIKE_A_VAT_NUMBER = re.compile(r"\b[A-Z]{2}U?\d[0-9A-Z]{7,12}\b")


def test_every_vat_number_the_project_ships_can_exist():
    found = {
        (str(path.relative_to(ROOT)), number)
        for pattern in SHIPPED
        for path in ROOT.glob(pattern)
        for number in LOOKS_LIKE_A_VAT_NUMBER.findall(path.read_text())
    }
    assert ("settings.py", Settings().seller_vat_id) in found
    assert {(where, number) for where, number in found if fault(number) is not None} == set()
