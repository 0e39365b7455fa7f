"""The codec server as the Temporal Web UI calls it: Temporal's protocol (payloads in
protobuf JSON under `payloads`, the namespace in X-Namespace), answered to the Web UI's
origin only (CORS), refusals with a code. No Temporal server is needed: the API's client
is lazy, and its codec is all these routes use."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from runtime.payload_codec import ENCODING, KEY_ID
from runtime.temporal_client import connect
from settings import Settings
from starter.dev.stack import codec_endpoint, temporal_server_command
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.codec import CODEC_KEY_ID, SECRETS

UI = "http://localhost:8233"


@pytest.fixture
async def api():
    settings = Settings(**SECRETS)  # type: ignore[arg-type]
    client = await connect(settings, lazy=True)
    app = create_app(settings, Services(settings, client, db=None))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ordino") as http:
        yield http


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
