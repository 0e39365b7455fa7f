"""`ordino keys`: API keys for the HTTP API. A key is shown once, when it is made."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from db import api_keys
from domain.access import Role
from starter.cli.support import console, database, reported_errors

keys_app = typer.Typer(help="API keys: who may call the HTTP API.", no_args_is_help=True)


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Who the key is for; the audit trail shows it.")],
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    scope: Annotated[
        str | None, typer.Option(help="The channel (channel key) or warehouse (warehouse key) it is for.")
    ] = None,
) -> None:
    """Make a key; it is printed this once (only its hash is kept)."""
    with reported_errors(), database() as db:
        made, key = api_keys.create(db, name, role, scope)
    bound = f" for {made.scope}" if made.scope else ""
    console.print(f"{made.role.value} key [bold]{made.id}[/] ({made.name}){bound}:")
    print(key)


@keys_app.command("list")
def list_keys() -> None:
    """Every key, revoked ones too (the audit trail names them)."""
    with reported_errors(), database() as db:
        keys = api_keys.listed(db)
    table = Table("id", "name", "role", "scope", "created", "last used", "revoked")
    for k in keys:
        table.add_row(
            k.id, k.name, k.role.value, k.scope or "", f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
        )  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (the part after ordino_).")]) -> None:
    """Refuse the key from now on."""
    with reported_errors(), database() as db:
        revoked = api_keys.revoke(db, key_id)
    console.print(f"key {revoked.id} ({revoked.name}) is revoked")
