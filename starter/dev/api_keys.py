"""The dev stack's API keys: one per role (a channel key for the web shop, a warehouse key for
Milan), and one per warehouse for the sandbox warehouse that confirms packing. Made on first
start and kept in the data folder; made again if the database no longer knows them."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from db import api_keys
from db.engine import Database
from db.models import Warehouse
from domain.access import Role

# What each role's key is for, as the dev stack tells it.
SHOWN: dict[str, tuple[Role, str | None, str]] = {
    "channel": (Role.CHANNEL, "webshop", "places, changes and cancels the web shop's orders"),
    "support": (Role.SUPPORT, None, "reads everything; edits, cancels, refunds up to the limit, returns"),
    "warehouse": (Role.WAREHOUSE, "MIL", "Milan: packing, receipts, stock counts, returns, labels"),
    "finance": (Role.FINANCE, None, "invoices, credit notes, refunds of any amount"),
    "admin": (Role.ADMIN, None, "prices, promotions, tax, reorder points, keys, metrics"),
}


@dataclass(frozen=True)
class DevKeys:
    shown: dict[str, str]  # by the names in SHOWN
    warehouses: dict[str, str]  # the sandbox warehouse's key per warehouse code

    def header(self, name: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.shown[name]}"}

    def env(self) -> dict[str, str]:
        """What the sandbox warehouse needs to confirm packing at every warehouse."""
        return {"ORDINO_SANDBOX_WAREHOUSE_KEYS": json.dumps(self.warehouses)}


def _all_known(db: Database, keys: DevKeys) -> bool:
    return all(
        api_keys.principal(db, k) is not None for k in [*keys.shown.values(), *keys.warehouses.values()]
    )


def _make(db: Database) -> DevKeys:
    shown = {
        name: api_keys.create(db, f"dev-{name}", role, scope)[1] for name, (role, scope, _) in SHOWN.items()
    }
    with db.reader() as s:
        codes = list(s.scalars(select(Warehouse.code).order_by(Warehouse.code)))
    warehouses = {
        code: api_keys.create(db, f"sandbox-warehouse-{code}", Role.WAREHOUSE, code)[1] for code in codes
    }
    return DevKeys(shown, warehouses)


def _keep(path: Path, text: str) -> None:
    """Written readable by this user only, from the first byte."""
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
        file.write(text)


def dev_keys(db: Database, path: Path) -> DevKeys:
    """The keys kept at path, or new ones kept there; beside it, `dev-keys.env` to `source`."""
    keys = None
    if path.exists():
        kept = json.loads(path.read_text())
        keys = DevKeys(kept["shown"], kept["warehouses"])
    if keys is None or not _all_known(db, keys):
        keys = _make(db)
        _keep(path, json.dumps({"shown": keys.shown, "warehouses": keys.warehouses}, indent=2))
    exports = "".join(f"export ORDINO_{name.upper()}_KEY={key}\n" for name, key in keys.shown.items())
    _keep(path.with_suffix(".env"), exports)
    return keys
