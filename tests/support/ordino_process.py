"""An `ordino` command run as a process of its own, as the dev stack and production run it,
with what it writes (JSON log lines, and anything else) collected for the test to read."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tests.support.codec import SECRETS_ENV

ROOT = Path(__file__).resolve().parents[2]


class OrdinoProcess:
    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.command = command
        # A test runs on the built-in secrets, as the dev stack does, and the tests' codec keys.
        self.env = {"ORDINO_DEV_SECRETS_ALLOWED": "true", **env, **SECRETS_ENV, "ORDINO_LOG_FORMAT": "json"}
        self.lines: list[str] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reading: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "starter.cli", self.command,
            env=self.env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self._reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for line in self._process.stdout:
            self.lines.append(line.decode(errors="replace").rstrip())

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        if self._reading is not None:
            await self._reading

    def events(self, event: str, **fields: Any) -> list[dict[str, Any]]:
        """The JSON log lines with this event and these fields."""
        found = []
        for line in self.lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == event and all(entry.get(k) == v for k, v in fields.items()):
                found.append(entry)
        return found

    def tracebacks(self) -> list[str]:
        return [line for line in self.lines if "Traceback" in line]

    async def wait_for(self, event: str, timeout: float = 60, **fields: Any) -> dict[str, Any]:
        """The first log line with this event and these fields, once it is written."""
        assert self._process is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while not (found := self.events(event, **fields)):
            if self._process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"ordino {self.command} did not log {event} {fields}:\n{self.tail()}")
            await asyncio.sleep(0.05)
        return found[0]

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.lines[-lines:])
