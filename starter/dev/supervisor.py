"""Keeping the dev stack's processes running: one that exits on its own is started again
after a backoff that grows while it keeps dying, with a line saying which process it was
and how it ended; stop() ends them all, last started first."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from providers.backoff import Backoff

STOP_TIMEOUT_SECONDS = 10


@dataclass
class _Child:
    name: str
    argv: list[str]
    env: dict[str, str] | None
    backoff: Backoff
    process: subprocess.Popen[bytes]
    started_at: float
    restart_at: float | None = None


def _how_it_ended(code: int) -> str:
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"was killed by signal {-code}"


class Supervisor:
    def __init__(
        self,
        backoff: Callable[[], Backoff],
        report: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backoff = backoff
        self._report = report
        self._clock = clock
        self._children: dict[str, _Child] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(argv, env=env)
        self._children[name] = _Child(name, argv, env, self._backoff(), process, self._clock())
        return process

    def process(self, name: str) -> subprocess.Popen[bytes]:
        return self._children[name].process

    def check(self) -> None:
        """Notice what exited, and start it again once its delay has passed."""
        now = self._clock()
        for child in self._children.values():
            code = child.process.poll()
            if code is None:
                continue
            if child.restart_at is None:
                if now - child.started_at >= child.backoff.maximum:
                    child.backoff.reset()  # it ran a good while: this is no crash loop
                delay = child.backoff.next_delay()
                child.restart_at = now + delay
                self._report(f"{child.name} {_how_it_ended(code)}; restarting it in {delay:g}s")
            elif now >= child.restart_at:
                child.process = subprocess.Popen(child.argv, env=child.env)
                child.started_at, child.restart_at = now, None
                self._report(f"{child.name} restarted")

    def watch(self, interval: float = 0.5) -> None:
        """Check every interval, until interrupted (Ctrl-C)."""
        while True:
            self.check()
            time.sleep(interval)

    def stop(self) -> None:
        for child in reversed(self._children.values()):
            if child.process.poll() is None:
                self._report(f"stopping {child.name}")
                child.process.terminate()
        for child in self._children.values():
            try:
                child.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
