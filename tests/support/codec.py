"""The tests' fixed keys: every client, worker and process of the suite seals and opens
payloads with them, and the recorded histories in tests/histories/ were sealed with them
(a new test key makes those unreadable: record them again)."""

from __future__ import annotations

import base64
import hashlib
import json

from temporalio.converter import DataConverter

from runtime.payload_codec import data_converter
from settings import Settings

CODEC_KEY_ID = "test-1"
CODEC_KEY = base64.b64encode(hashlib.sha256(b"ordino test codec key 1").digest()).decode()
PSEUDONYM_KEY = "ordino-test-pseudonym-key"

# As keyword arguments of Settings, and as the ORDINO_* variables of a process.
SECRETS = {
    "codec_key_id": CODEC_KEY_ID,
    "codec_keys": {CODEC_KEY_ID: CODEC_KEY},
    "customer_pseudonym_key": PSEUDONYM_KEY,
}
SECRETS_ENV = {
    "ORDINO_CODEC_KEY_ID": CODEC_KEY_ID,
    "ORDINO_CODEC_KEYS": json.dumps({CODEC_KEY_ID: CODEC_KEY}),
    "ORDINO_CUSTOMER_PSEUDONYM_KEY": PSEUDONYM_KEY,
}


def suite_converter() -> DataConverter:
    """The data converter of the suite's Temporal environments and clients."""
    return data_converter(Settings(**SECRETS))  # type: ignore[arg-type]
