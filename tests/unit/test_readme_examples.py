"""The README's examples work as written: each `ordino` command it or docs/ show exists with
the options it uses, each order they name is one an example file places, each example file
is a valid order and listed in examples/README.md, and the dev stack's paces leave time
for what the README asks a reader to do by hand."""

from __future__ import annotations

import json
import re
import shlex
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import typer.main

from domain.orders import PlaceOrder
from providers.sandbox.carrier import SCENARIOS
from settings import Settings
from starter.cli import app
from starter.dev.pace import Pace

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
EXAMPLES_README = (ROOT / "examples" / "README.md").read_text()
DOCS = "\n".join(page.read_text() for page in sorted((ROOT / "docs").glob("*.md")))
PLACEHOLDERS = {"ID", "NUMBER", "FILE", "WAREHOUSE", "SKU:QTY", "R", "…", '"…"'}
ORDER_FILES = sorted(p for p in (ROOT / "examples").glob("*.json") if p.name != "quote.json")


def _inline_commands(text: str) -> list[str]:
    """`ordino ...` as the README writes it: in inline code (which may wrap a line) and in
    shell blocks, without the comment after a command."""
    blocks = re.findall(r"```bash\n(.*?)```", text, re.DOTALL)
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    spans = [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)]
    for block in blocks:
        spans += [line.split("  #")[0].strip() for line in block.splitlines()]
    commands = []
    for span in spans:
        span = span.removeprefix(".venv/bin/")
        if span.startswith("ordino "):
            commands.append(span)
    return commands


def _resolve(words: list[str]) -> tuple[Any, list[str]]:
    """The command that `ordino words...` runs, and the words left for it (typer carries
    its own copy of click, so groups are told by their subcommands)."""
    command = typer.main.get_command(app)
    while hasattr(command, "commands") and words and not words[0].startswith("-"):
        sub = command.commands.get(words[0])
        assert sub is not None, f"ordino has no command {words[0]!r} here"
        command, words = sub, words[1:]
    return command, words


def _synopsis_alternatives(command: str) -> list[list[str]]:
    """`ordino orders pack ID WAREHOUSE | retry ID` names `orders pack` and `orders retry`."""
    bare = command.removeprefix("ordino ").replace("\\|", "|").replace("[", " ").replace("]", " ")
    first, *others = (part.strip() for part in bare.split(" | "))
    words = first.split()
    path = words[: next((i for i, w in enumerate(words) if w.isupper() or w[0] == "-"), None)]
    group = path[:-1]  # the alternatives are siblings of the first one's last command word
    return [words] + [group + other.split() for other in others]


def test_every_ordino_command_in_the_readme_exists_with_its_options() -> None:
    commands = _inline_commands(README) + _inline_commands(EXAMPLES_README) + _inline_commands(DOCS)
    assert len(commands) > 20
    concrete = 0
    for line in commands:
        words = shlex.split(line.replace("[", "").replace("]", ""))
        if PLACEHOLDERS.isdisjoint(words) and "|" not in line and "[" not in line:
            command, rest = _resolve(words[1:])
            command.make_context(words[0], rest)  # raises on an unknown option or argument
            concrete += 1
        else:
            for alternative in _synopsis_alternatives(line):
                command, _ = _resolve([w for w in alternative if not w.isupper() and w != "…"])
                for option in (w for w in alternative if w.startswith("--")):
                    names = {opt for param in command.params for opt in getattr(param, "opts", [])}
                    assert option in names, f"{line}: {command.name} has no {option}"
    assert concrete >= 6


def test_every_order_the_readme_names_is_placed_by_an_example() -> None:
    placed = {PlaceOrder.model_validate(json.loads(p.read_text())).order_id for p in ORDER_FILES}
    ids = re.findall(r"\b(?:webshop|us_web|b2b)-[A-Z0-9]+(?:-[A-Z0-9]+)*", README + EXAMPLES_README)
    named = {re.sub(r"-R\d+$", "", found) for found in ids}  # a return's id names its order
    assert named, "the README names no order"
    assert named <= placed, f"no example places {sorted(named - placed)}"


@pytest.mark.parametrize("path", ORDER_FILES, ids=lambda p: p.name)
def test_every_example_order_is_valid_and_listed(path: Path) -> None:
    PlaceOrder.model_validate(json.loads(path.read_text()))
    assert f"`{path.name}`" in EXAMPLES_README


def test_each_file_the_readmes_post_exists() -> None:
    for name in set(re.findall(r"@examples/([\w.-]+)", README + EXAMPLES_README)) - {"FILE"}:
        assert (ROOT / "examples" / name).is_file(), name


@pytest.mark.parametrize("pace", list(Pace))
def test_each_dev_pace_shows_a_late_parcel(pace: Pace) -> None:
    settings = Settings.model_validate(
        {key.removeprefix("ORDINO_").lower(): value for key, value in pace.windows().items()}
    )
    stalled = settings.carrier_step_delay * len(SCENARIOS["late"])
    assert settings.delivery_sla < stalled


def test_the_hand_pace_leaves_time_to_follow_the_readme() -> None:
    settings = Settings.model_validate(
        {key.removeprefix("ORDINO_").lower(): value for key, value in Pace.HAND.windows().items()}
    )
    # Two CLI calls (a preview, then the change) before the warehouse packs.
    assert settings.pack_delay >= timedelta(minutes=1)
    # Delivery, then a return request and its receipt, inside the window.
    assert settings.return_window >= timedelta(minutes=5)
