"""`ordino dev` keeps its processes running: a short dummy child that exits stands in for
a process that dies; a clock the test moves stands in for the time between restarts."""

from __future__ import annotations

import sys

from providers.backoff import Backoff
from starter.dev.supervisor import Supervisor

EXITS = [sys.executable, "-c", "raise SystemExit(3)"]
RUNS = [sys.executable, "-c", "import time; time.sleep(60)"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _supervisor() -> tuple[Supervisor, Clock, list[str]]:
    clock, lines = Clock(), []
    return Supervisor(lambda: Backoff(1, 4), lines.append, clock), clock, lines


def test_a_process_that_exits_is_restarted_after_a_delay_that_grows_while_it_keeps_exiting():
    supervisor, clock, lines = _supervisor()
    first = supervisor.start("dummy", EXITS)
    try:
        first.wait()
        supervisor.check()
        assert lines == ["dummy exited with code 3; restarting it in 1s"]
        clock.now += 0.5
        supervisor.check()
        assert supervisor.process("dummy") is first  # not yet
        clock.now += 0.5
        supervisor.check()
        second = supervisor.process("dummy")
        assert second is not first
        assert lines[-1] == "dummy restarted"

        second.wait()
        supervisor.check()
        assert lines[-1] == "dummy exited with code 3; restarting it in 2s"
        clock.now += 2
        supervisor.check()
        third = supervisor.process("dummy")
        assert third is not second

        # It ran longer than the longest delay before it died: no crash loop, the first delay.
        third.wait()
        clock.now += 10
        supervisor.check()
        assert lines[-1] == "dummy exited with code 3; restarting it in 1s"
    finally:
        supervisor.stop()


def test_a_killed_process_is_named_with_its_signal_and_the_others_keep_running():
    supervisor, _, lines = _supervisor()
    victim = supervisor.start("worker", RUNS)
    bystander = supervisor.start("api", RUNS)
    try:
        victim.kill()
        victim.wait()
        supervisor.check()
        assert lines == ["worker was killed by SIGKILL; restarting it in 1s"]
        assert bystander.poll() is None
    finally:
        supervisor.stop()


def test_stop_ends_every_process_last_started_first():
    supervisor, _, lines = _supervisor()
    processes = [supervisor.start(name, RUNS) for name in ("temporal", "worker", "api")]
    supervisor.stop()
    assert lines == ["stopping api", "stopping worker", "stopping temporal"]
    assert all(p.returncode is not None for p in processes)
