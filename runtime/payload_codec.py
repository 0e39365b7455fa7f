"""Customer data reaches Temporal encrypted: every payload (workflow and activity inputs and
results, update and signal arguments, memos, summaries, failure messages) is sealed with
AES-GCM by the client or worker that writes it, and opened by the one that reads it. The
server, its database and the Web UI without the codec server see only ciphertext.

Each sealed payload names its key (metadata `encryption-key-id`), so keys rotate: new
payloads are sealed with the current key, and any payload opens with the key it names as
long as that key is still configured. Search attributes are not payloads the server can
index encrypted, and stay in the clear (domain/pseudonyms.py keeps e-mail addresses out)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from settings import MissingSecret, Settings

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # GCM's standard nonce, random per payload


class UndecodablePayload(ValueError):
    """A sealed payload this process cannot open: its key is not configured (any more), or
    the bytes were not sealed by that key."""


@dataclass(frozen=True)
class Keyring:
    """The keys by id, and the one new payloads are sealed with."""

    current: str
    keys: Mapping[str, bytes]
    _ciphers: dict[str, AESGCM] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise MissingSecret(
                f"ORDINO_CODEC_KEY_ID is {self.current!r}, which is not among ORDINO_CODEC_KEYS "
                f"({', '.join(sorted(self.keys)) or 'none'})"
            )
        for key_id, key in self.keys.items():
            if len(key) != KEY_BYTES:
                raise MissingSecret(f"codec key {key_id!r} is {len(key)} bytes, not {KEY_BYTES}")
            self._ciphers[key_id] = AESGCM(key)

    def cipher(self, key_id: str) -> AESGCM:
        found = self._ciphers.get(key_id)
        if found is None:
            raise UndecodablePayload(
                f"the payload is sealed with codec key {key_id!r}, which is not among the keys of "
                f"ORDINO_CODEC_KEYS ({', '.join(sorted(self.keys))}): add it back to read it"
            )
        return found


def generate_key() -> str:
    """A new codec key, as ORDINO_CODEC_KEYS holds it."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def keyring(settings: Settings) -> Keyring:
    """The settings' keys; MissingSecret names what is not set or not valid."""
    if not settings.codec_key_id or not settings.codec_keys:
        raise MissingSecret(
            "ORDINO_CODEC_KEY_ID and ORDINO_CODEC_KEYS are not set: Ordino encrypts what it sends "
            "to Temporal with them (docs/operations.md, Keys); `ordino dev` makes its own"
        )
    keys: dict[str, bytes] = {}
    for key_id, secret in settings.codec_keys.items():
        try:
            keys[key_id] = base64.b64decode(secret.get_secret_value(), validate=True)
        except binascii.Error:
            raise MissingSecret(f"codec key {key_id!r} of ORDINO_CODEC_KEYS is not base64") from None
    return Keyring(settings.codec_key_id, keys)


class EncryptionCodec(PayloadCodec):
    """AES-GCM over the whole serialized payload (its own metadata too); the key id is the
    associated data, so a payload relabelled with another key id does not open."""

    def __init__(self, keys: Keyring) -> None:
        self._keys = keys

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self._keys.current
        cipher = self._keys.cipher(key_id)
        sealed = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), key_id.encode())
            sealed.append(Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=data))
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Sealed payloads opened; any other (a search attribute, one written before the
        codec) passes as it is."""
        return [self._open(p) if p.metadata.get("encoding") == ENCODING else p for p in payloads]

    def _open(self, payload: Payload) -> Payload:
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._keys.cipher(key_id)
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag:
            raise UndecodablePayload(f"the payload does not open with codec key {key_id!r}") from None
        return Payload.FromString(plain)


def data_converter(settings: Settings) -> DataConverter:
    """The pydantic data converter with the codec, and failure messages and stack traces
    sealed too (a refusal's message may quote the customer's address)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keyring(settings)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
