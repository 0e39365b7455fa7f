"""No input wedges anything: every bad request is answered at once, with a code, in the
one error shape, and an order with a control character in it is never started."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from db.engine import Database
from domain.feedback_links import feedback_token
from providers import webhook_signature
from starter.http.app import create_app
from starter.http.dependencies import Services
from starter.http.limits import MAX_BODY_BYTES, MAX_OFFSET
from tests.support.bodies import order_body
from tests.support.keys import api_client


def error_of(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert set(body) <= {"code", "message", "request_id", "details", "errors"}, body
    assert body["request_id"] == response.headers["x-request-id"]
    return response.status_code, body["code"]


async def test_control_characters_are_refused_in_bodies_paths_and_queries(stack, catalog):
    api, _, _ = stack
    sku = catalog({"MIL": 3})
    body = order_body([(sku, 1)])
    nul_name = body | {"customer": body["customer"] | {"name": "Ada\u0000"}}
    nul_email = body | {"customer": body["customer"] | {"email": "ada\u0000@example.com"}}
    newline_city = body | {"shipping_address": body["shipping_address"] | {"city": "Milano\n"}}
    # Mail goes out without SMTPUTF8, so the address is ASCII (the name may be 王芳).
    wide_email = body | {"customer": body["customer"] | {"email": "王芳@example.com"}}
    for bad in (nul_name, nul_email, wide_email, newline_city):
        response = await api.post("/orders", json=bad)
        assert error_of(response) == (422, "invalid_body"), response.text
    assert (await api.get(f"/orders/{body['channel']}-{body['external_id']}")).status_code == 404

    for path in (
        "/orders/a%00b",
        "/inventory?warehouse=%00",
        "/invoices?order_id=%00",
        "/shipments/%00",
        "/credit-notes?order_id=%00",
        "/orders?channel=%1F",
        "/orders?customer=%0A",
    ):
        response = await api.get(path)
        assert error_of(response) == (422, "invalid_parameter"), (path, response.text)


async def test_offsets_and_amounts_are_bounded(stack):
    api, _, _ = stack
    for path in ("/orders", "/invoices", "/inventory/MUG-CLASSIC/movements"):
        response = await api.get(path, params={"offset": 2**63})
        assert error_of(response) == (422, "invalid_parameter"), (path, response.text)
        assert (await api.get(path, params={"offset": MAX_OFFSET})).status_code == 200
    refund = {"amount": 1e30, "reason": "goodwill", "reference": "T-1"}
    response = await api.post("/orders/webshop-nothing/refunds", json=refund)
    assert error_of(response) == (422, "invalid_body")
    assert error_of(await api.get("/tax/regions", params={"at": "0.5"})) == (422, "invalid_parameter")
    assert (await api.get("/tax/regions", params={"at": "2030-01-01T00:00:00Z"})).status_code == 200


async def test_bodies_too_large_of_the_wrong_type_or_not_json_get_the_error_shape(stack):
    api, _, _ = stack
    huge = b'{"padding": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await api.post("/quotes", content=huge, headers={"content-type": "application/json"})
    assert error_of(response) == (413, "body_too_large")
    response = await api.post("/quotes", content=b"channel=webshop", headers={"content-type": "text/plain"})
    assert error_of(response) == (415, "unsupported_media_type")
    for content in (b'{"channel": ', b'"\xff\xfe"', b"[" + b"1" * 5000 + b"]"):
        response = await api.post("/quotes", content=content, headers={"content-type": "application/json"})
        assert error_of(response) == (422, "invalid_body"), (content[:20], response.text)
    assert error_of(await api.get("/no/such/path")) == (404, "route_not_found")
    assert error_of(await api.delete("/orders")) == (405, "method_not_allowed")


async def test_webhooks_refuse_a_non_ascii_signature_and_a_wrong_content_type(stack):
    api, _, settings = stack
    body = json.dumps({"event_id": "e1", "reference": "p1", "status": "approved"}).encode()
    signed = webhook_signature.sign(settings.payment_webhook_secrets[0], body)
    headers = {"content-type": "application/json", webhook_signature.HEADER: "t=1,v1=é".encode("latin-1")}
    response = await api.post("/webhooks/payments", content=body, headers=headers)
    assert error_of(response) == (401, "invalid_signature")
    plain = {"content-type": "text/plain", webhook_signature.HEADER: signed}
    response = await api.post("/webhooks/payments", content=body, headers=plain)
    assert error_of(response) == (415, "unsupported_media_type")
    malformed = b'{"event_id": "e1", "reference": "p1", "status": "maybe"}'
    headers = {"content-type": "application/json"}
    headers[webhook_signature.HEADER] = webhook_signature.sign(settings.payment_webhook_secrets[0], malformed)
    response = await api.post("/webhooks/payments", content=malformed, headers=headers)
    assert error_of(response) == (422, "invalid_body")
    assert response.json()["errors"][0]["field"] == "body.status"


async def test_a_feedback_form_that_is_not_utf8_is_answered_with_the_form_page(stack):
    api, _, settings = stack
    form = {"content-type": "application/x-www-form-urlencoded"}
    url = f"/orders/webshop-x/feedback/form?token={feedback_token(settings.link_secret, 'webshop-x')}"
    response = await api.post(url, content=b"rating=5&comment=\xff", headers=form)
    assert response.status_code == 422 and "plain text" in response.text
    response = await api.post(url, content=b"rating=5&comment=%FF", headers=form)
    assert response.status_code == 422


async def test_anything_unexpected_is_a_coded_500_with_the_trace_logged_under_its_id(
    dev_env, settings, database_url, capsys
):
    # A database without Ordino's tables (not an outage: it answers): each route that reads it
    # fails in a way no handler expects.
    empty = Database(database_url.rsplit("/", 1)[0] + "/postgres")
    app = create_app(settings, Services(settings, dev_env.client, empty))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ordino") as api:
        # The tracking page needs no key, so the first table it reads is the shipments'.
        response = await api.get("/shipments/SBX1", headers={"x-request-id": "trace-me-42"})
        assert error_of(response) == (500, "internal_error")
        assert response.json()["request_id"] == "trace-me-42"
        assert "shipments" not in response.text
        logged = "".join(capsys.readouterr())
        assert "trace-me-42" in logged and "Traceback" in logged and 'relation "shipments"' in logged
    empty.dispose()


async def test_a_request_that_cannot_finish_in_time_is_answered_503(dev_env, db, settings, catalog):
    # No worker polls this task queue: the order's workflow never answers its update.
    idle = settings.model_copy(
        update={"task_queue": "nobody-polls-this", "http_request_timeout": timedelta(seconds=1)}
    )
    app = create_app(idle, Services(idle, dev_env.client, db))
    async with api_client(app, db) as api:
        response = await api.post("/orders", json=order_body([(catalog({"MIL": 1}), 1)]))
    # The deadline cancels the wait for the order's answer: place it again, it is placed once.
    assert error_of(response) == (503, "update_timeout")


async def test_health_and_readiness(stack):
    api, _, _ = stack
    health = await api.get("/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    ready = await api.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"postgresql": "ok", "temporal": "ok"}}
    assert health.headers["x-request-id"] != ready.headers["x-request-id"]


@pytest.mark.parametrize("given", ["abc-123", "x" * 65, "bad id"])
async def test_a_plain_request_id_is_kept_and_any_other_replaced(stack, given):
    api, _, _ = stack
    answered = (await api.get("/health", headers={"x-request-id": given})).headers["x-request-id"]
    assert (answered == given) is (given == "abc-123")


async def test_json_types_are_taken_as_written(stack):
    """Found by the fuzzer: pydantic's lax mode took true for 1 and "5" for 5."""
    api, _, _ = stack
    for policy in (
        {"reorder_point": True, "reorder_quantity": False},
        {"reorder_point": "5", "reorder_quantity": 1},
    ):
        response = await api.put("/inventory/MUG-CLASSIC/MIL/reorder", json=policy)
        assert error_of(response) == (422, "invalid_body"), response.text
    preview = {"reference": "R-1", "lines": [{"sku": "MUG-CLASSIC", "quantity": 1}], "preview": 1}
    response = await api.post("/orders/webshop-nothing/changes", json=preview)
    assert error_of(response) == (422, "invalid_body")


async def test_a_method_a_path_does_not_take_names_all_the_methods_it_does(stack):
    """Found by the fuzzer: Allow named only the first route that matched the path."""
    api, _, _ = stack
    response = await api.options("/orders")
    assert error_of(response) == (405, "method_not_allowed")
    assert response.headers["allow"] == "GET, POST"
    # A router's path too; and a path is its own resource, not a value of /inventory/{sku}.
    assert (await api.options("/inventory/receipts")).headers["allow"] == "POST"
    assert (await api.options("/orders/x/feedback")).headers["allow"] == "GET, POST"
