"""The dev stack's own keys: made on its first start, kept in the data folder beside the
database and Temporal's history they belong to, and handed to every process it runs. The
benchmark and the chaos run make keys of their own the same way."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from runtime.payload_codec import generate_key

KEYS_FILE = "codec-keys.json"


def new_keys(key_id: str = "dev-1") -> dict[str, Any]:
    """Fresh keys, by the names of their settings."""
    return {
        "codec_key_id": key_id,
        "codec_keys": {key_id: generate_key()},
        "customer_pseudonym_key": generate_key(),
    }


def kept_keys(data_dir: Path) -> dict[str, Any]:
    """The keys in data_dir/codec-keys.json, made there if missing. To rotate the codec key, add
    one to `codec_keys` and name it in `codec_key_id`; keep the old one."""
    path = data_dir / KEYS_FILE
    if not path.exists():
        # Readable by this user only, like the database files next to it.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            json.dump(new_keys(), file, indent=2)
    keys: dict[str, Any] = json.loads(path.read_text())
    return keys


def environment(keys: dict[str, Any]) -> dict[str, str]:
    """The keys as the ORDINO_* variables the processes read."""
    return {
        "ORDINO_CODEC_KEY_ID": keys["codec_key_id"],
        "ORDINO_CODEC_KEYS": json.dumps(keys["codec_keys"]),
        "ORDINO_CUSTOMER_PSEUDONYM_KEY": keys["customer_pseudonym_key"],
    }
