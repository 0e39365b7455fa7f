"""The OpenAPI document is valid, every $ref in it resolves, and every operation is
tagged and documents its refusals with the real error schema and their codes."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from domain.errors import HTTP_STATUS, ErrorCode
from domain.vat_numbers import AS_SENT
from settings import Settings
from starter.http.app import create_app

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def spec() -> dict:
    return create_app(Settings()).openapi()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path}", op


def refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_document_is_valid_openapi_and_every_ref_resolves(spec):
    validate(spec)
    schemas = spec["components"]["schemas"]
    unresolved = {r for r in refs(spec) if r.removeprefix("#/components/schemas/") not in schemas}
    assert unresolved == set()
    assert "HTTPValidationError" not in schemas  # FastAPI's {"detail": [...]}, never answered


def error_codes(response: dict) -> list[str]:
    """The codes of a documented error answer (JSON); none for a page (HTML)."""
    content = response.get("content", {})
    if "application/json" not in content:
        assert set(content) == {"text/html"}, response
        return []
    schema = content["application/json"]["schema"]
    assert schema["allOf"][0] == {"$ref": ERROR_REF}
    return schema["allOf"][1]["properties"]["code"]["enum"]


def test_every_operation_is_tagged_and_documents_its_refusals_with_the_error_schema(spec):
    for name, op in operations(spec):
        assert op.get("tags"), f"{name} has no tag"
        errors = {status: r for status, r in op["responses"].items() if int(status) >= 400}
        assert "500" in errors, f"{name} does not document internal_error"
        for status, response in errors.items():
            codes = error_codes(response)
            assert all(HTTP_STATUS[ErrorCode(c)] == int(status) for c in codes), (name, status)
            assert all(c in response["description"] for c in codes)


def test_operations_with_bodies_or_parameters_document_those_refusals(spec):
    for name, op in operations(spec):
        documented = {
            c for status, r in op["responses"].items() if int(status) >= 400 for c in error_codes(r)
        }
        body = op.get("requestBody", {}).get("content", {})
        if body:
            assert "body_too_large" in documented, name
        if "application/json" in body:
            assert {"invalid_body", "unsupported_media_type"} <= documented, name
        if op.get("parameters"):
            assert "invalid_parameter" in documented, name


def test_what_takes_a_vat_number_documents_its_refusal(spec):
    for path in ("/orders", "/quotes"):
        refused = spec["paths"][path]["post"]["responses"]["422"]
        assert "invalid_vat_id" in error_codes(refused), path


def test_placing_an_order_documents_the_replay_and_the_conflicts(spec):
    responses = spec["paths"]["/orders"]["post"]["responses"]
    assert {"200", "201", "409", "422"} <= set(responses)
    conflicts = responses["409"]["content"]["application/json"]["schema"]["allOf"][1]
    assert {"idempotency_conflict", "insufficient_stock", "coupon_exhausted"} <= set(
        conflicts["properties"]["code"]["enum"]
    )


def test_request_models_carry_their_patterns_and_bounds(spec):
    schemas = spec["components"]["schemas"]
    vat = schemas["Customer"]["properties"]["vat_id"]["anyOf"][0]
    assert vat["pattern"] == AS_SENT and vat["maxLength"] == 32  # any case, with separators
    name = schemas["Address"]["properties"]["name"]
    assert (name["maxLength"], name["minLength"]) == (200, 1) and "\\x00" in name["pattern"]
    rate = schemas["NewTaxRate"]["properties"]["rate"]["anyOf"][0]
    assert (rate["minimum"], rate["exclusiveMaximum"]) == (0, 1)
    offset = next(p for p in spec["paths"]["/orders"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] < 2**63
    carrier = spec["paths"]["/webhooks/carrier"]["post"]
    assert carrier["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrackingEvent"
    }
