"""The payload codec: payloads sealed under a named key open again, also once the current
key has changed (rotation), and a payload nothing can open says which key it needs. Without
its keys a process that talks to Temporal stops at start-up, in one line."""

from __future__ import annotations

import json

import pytest
from temporalio.api.common.v1 import Payload
from typer.testing import CliRunner

from runtime.payload_codec import ENCODING, KEY_ID, EncryptionCodec, UndecodablePayload, generate_key, keyring
from settings import MissingSecret, Settings, get_settings
from starter.cli import app
from starter.dev.codec_keys import KEYS_FILE, environment, kept_keys

OLD, NEW = generate_key(), generate_key()


def codec(current: str, **keys: str) -> EncryptionCodec:
    return EncryptionCodec(keyring(Settings(codec_key_id=current, codec_keys=keys)))  # type: ignore[arg-type]


def plain(data: bytes) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


async def test_a_payload_is_sealed_under_the_current_key_and_opens_again():
    payloads = [plain(b'{"email": "ada@example.com"}'), plain(b"[]")]
    sealed = await codec("k1", k1=OLD).encode(payloads)
    assert [(p.metadata["encoding"], p.metadata[KEY_ID]) for p in sealed] == [(ENCODING, b"k1")] * 2
    assert all(b"ada@example.com" not in p.SerializeToString() for p in sealed)
    assert sealed[0].data != sealed[1].data  # a fresh nonce each
    assert await codec("k1", k1=OLD).decode(sealed) == payloads


async def test_after_rotation_old_payloads_still_open_and_new_ones_use_the_new_key():
    before = await codec("k1", k1=OLD).encode([plain(b"1")])
    rotated = codec("k2", k1=OLD, k2=NEW)
    assert await rotated.decode(before) == [plain(b"1")]
    after = await rotated.encode([plain(b"2")])
    assert after[0].metadata[KEY_ID] == b"k2"
    assert await codec("k2", k2=NEW).decode(after) == [plain(b"2")]


async def test_a_payload_of_a_key_no_longer_configured_is_a_clear_error():
    sealed = await codec("k1", k1=OLD).encode([plain(b"1")])
    with pytest.raises(UndecodablePayload, match=r"sealed with codec key 'k1'.*ORDINO_CODEC_KEYS \(k2\)"):
        await codec("k2", k2=NEW).decode(sealed)


async def test_a_relabelled_or_altered_payload_does_not_open():
    (sealed,) = await codec("k1", k1=OLD).encode([plain(b"1")])
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID: b"k2"}, data=sealed.data)
    altered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    for payload in (relabelled, altered):
        with pytest.raises(UndecodablePayload, match="does not open"):
            await codec("k1", k1=OLD, k2=OLD).decode([payload])


async def test_a_payload_that_was_never_sealed_passes_as_it_is():
    assert await codec("k1", k1=OLD).decode([plain(b"1")]) == [plain(b"1")]


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({}, "ORDINO_CODEC_KEY_ID and ORDINO_CODEC_KEYS are not set"),
        ({"codec_key_id": "k9", "codec_keys": {"k1": OLD}}, "'k9', which is not among ORDINO_CODEC_KEYS"),
        ({"codec_key_id": "k1", "codec_keys": {"k1": "bm90IDMyIGJ5dGVz"}}, "is 12 bytes, not 32"),
        ({"codec_key_id": "k1", "codec_keys": {"k1": "not base64!"}}, "is not base64"),
    ],
)
def test_keys_missing_or_wrong_are_named(settings, says):
    with pytest.raises(MissingSecret, match=says):
        keyring(Settings(**settings))


@pytest.fixture
def no_keys(monkeypatch):
    """A process started without the codec keys (and a database it never gets to)."""
    for name in ("ORDINO_CODEC_KEY_ID", "ORDINO_CODEC_KEYS", "ORDINO_CUSTOMER_PSEUDONYM_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORDINO_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("ORDINO_DEV_SECRETS_ALLOWED", "true")  # the webhook secrets are not the point
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("command", ["worker", "api"])
def test_outside_the_dev_stack_the_worker_and_the_api_refuse_built_in_secrets(no_keys, monkeypatch, command):
    monkeypatch.setenv("ORDINO_DEV_SECRETS_ALLOWED", "false")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, [command])
    assert result.exit_code == 1 and "built-in secret" in result.output


@pytest.mark.parametrize("command", ["worker", "api"])
def test_without_keys_the_worker_and_the_api_stop_at_start_up(no_keys, command):
    result = CliRunner().invoke(app, [command])
    assert result.exit_code == 1
    assert "ORDINO_CODEC_KEY_ID and ORDINO_CODEC_KEYS are not set" in result.output


def test_the_api_needs_the_pseudonym_key_too(no_keys, monkeypatch):
    monkeypatch.setenv("ORDINO_CODEC_KEY_ID", "k1")
    monkeypatch.setenv("ORDINO_CODEC_KEYS", json.dumps({"k1": OLD}))
    result = CliRunner().invoke(app, ["api"])
    assert result.exit_code == 1
    assert "ORDINO_CUSTOMER_PSEUDONYM_KEY is not set" in result.output


def test_the_dev_stack_makes_its_keys_once_and_keeps_them(tmp_path, monkeypatch):
    first = kept_keys(tmp_path)
    assert kept_keys(tmp_path) == first
    assert (tmp_path / KEYS_FILE).stat().st_mode & 0o777 == 0o600
    for name, value in environment(first).items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert keyring(settings).current == first["codec_key_id"]
    assert settings.customer_search_id("ada@example.com").startswith("anon:")
