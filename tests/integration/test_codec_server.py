"""The codec server as the Temporal Web UI calls it: Temporal's protocol (payloads in
protobuf JSON under `payloads`, the namespace in X-Namespace), answered to the Web UI's
origin only (CORS), refusals with a code, and only for keys that may see customer data. No
Temporal server is needed: the API's client is lazy, and its codec is all these routes use."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from db import api_keys
from domain.access import Role
from runtime.payload_codec import ENCODING, KEY_ID
from runtime.temporal_client import connect
from settings import Settings
from starter.dev.stack import codec_endpoint, temporal_server_command
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.codec import CODEC_KEY_ID, SECRETS
from tests.support.keys import KeyRing, api_client

UI = "http://localhost:8233"


@pytest.fixture
async def codec_app(db):
    settings = Settings(**SECRETS)  # type: ignore[arg-type]
    client = await connect(settings, lazy=True)
    return create_app(settings, Services(settings, client, db))


@pytest.fixture
async def api(codec_app, db):
    """As someone who may read decoded data (a finance key)."""
    async with api_client(codec_app, db) as http:
        yield http


async def test_only_support_finance_and_admin_read_decoded_data_and_the_web_ui_signs_in(codec_app, db):
    keys = KeyRing(db)
    body = {"payloads": [PLAIN]}
    transport = httpx.ASGITransport(app=codec_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as browser:
        bare = await browser.post("/codec/decode", json=body)
        assert (bare.status_code, bare.json()["code"]) == (401, "unauthenticated")
        channel = await browser.post("/codec/decode", json=body, headers=keys.header(Role.CHANNEL, "webshop"))
        assert (channel.status_code, channel.json()["code"]) == (403, "forbidden")
        form = {"content-type": "application/x-www-form-urlencoded"}
        refused = await browser.post("/codec/sign-in", content=f"key={keys.key(Role.CHANNEL, 'webshop')}",
                                     headers=form)  # fmt: skip
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
        support = keys.key(Role.SUPPORT)
        elsewhere = {**form, "origin": "https://evil.example"}
        assert (
            await browser.post("/codec/sign-in", content=f"key={support}", headers=elsewhere)
        ).status_code == 403
        signed = await browser.post("/codec/sign-in", content=f"key={support}", headers=form)
        assert signed.status_code == 200 and "test-support (support)" in signed.text
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Path=/codec" in cookie and "samesite=lax" in cookie.lower()
        assert support not in cookie  # the cookie stands for the key; it is not the key
        # The Web UI sends only its cookies: enough for the codec server, and nothing else.
        decoded = await browser.post("/codec/decode", json=body)
        assert decoded.status_code == 200, decoded.text
        assert (await browser.get("/orders")).status_code == 401
        # Revoking the key ends its sign-ins; signing out ends this one.
        api_keys.revoke(db, api_keys.principal(db, support).key_id)
        assert (await browser.post("/codec/decode", json=body)).status_code == 401
        await browser.post("/codec/sign-out")
        assert "ordino_sign_in" not in browser.cookies


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


PLAIN = {"metadata": {"encoding": b64(b"json/plain")}, "data": b64(json.dumps({"name": "Ada"}).encode())}


async def test_what_is_encoded_decodes_again(api):
    encoded = await api.post("/codec/encode", json={"payloads": [PLAIN]}, headers={"X-Namespace": "default"})
    assert encoded.status_code == 200, encoded.text
    [sealed] = encoded.json()["payloads"]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == ENCODING
    assert base64.b64decode(sealed["metadata"][KEY_ID]) == CODEC_KEY_ID.encode()
    decoded = await api.post("/codec/decode", json=encoded.json(), headers={"X-Namespace": "default"})
    assert decoded.json() == {"payloads": [PLAIN]}


async def test_refusals_carry_a_code(api):
    unknown_key = {"metadata": {"encoding": b64(ENCODING), KEY_ID: b64(b"gone")}, "data": b64(b"x" * 40)}
    for body, headers, status, code in (
        ({"payloads": [unknown_key]}, {}, 400, "payload_undecodable"),
        ({"payloads": [PLAIN]}, {"X-Namespace": "elsewhere"}, 422, "unknown_namespace"),
        ({"payloads": [{"data": "not base64!"}]}, {}, 422, "invalid_body"),
        ({"payload": []}, {}, 422, "invalid_body"),
    ):
        answer = await api.post("/codec/decode", json=body, headers=headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert "'gone'" in (await api.post("/codec/decode", json={"payloads": [unknown_key]})).json()["message"]


async def test_the_web_ui_s_origin_may_call_it_and_no_other(api):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    allowed = await api.options("/codec/decode", headers={"Origin": UI, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert allowed.headers["access-control-allow-credentials"] == "true"
    elsewhere = await api.options("/codec/decode", headers={"Origin": "https://evil.example", **preflight})
    assert elsewhere.status_code == 400 and "access-control-allow-origin" not in elsewhere.headers
    answered = await api.post("/codec/decode", json={"payloads": []}, headers={"Origin": UI})
    assert answered.headers["access-control-allow-origin"] == UI
    # Every other route stays same-origin.
    other = await api.get("/health", headers={"Origin": UI})
    assert "access-control-allow-origin" not in other.headers


def test_the_dev_stack_s_web_ui_asks_the_api_s_codec_server(tmp_path):
    settings = Settings()
    command = temporal_server_command(settings, tmp_path)
    assert command[command.index("--ui-codec-endpoint") + 1] == codec_endpoint(settings)
    assert codec_endpoint(settings) == "http://127.0.0.1:8000/codec"
    assert f"http://localhost:{settings.temporal_ui_port}" in settings.ui_origins
