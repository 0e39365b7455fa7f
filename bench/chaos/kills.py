"""The kill schedule: seeded, one process at a time, every target at least once (in a
shuffled first round), then at random; each kill -9 is followed by a restart after a random
time down."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.chaos.stack import Stack

TARGETS = ("worker", "temporal", "postgres", "api", "carrier")


@dataclass(frozen=True)
class KillPlan:
    targets: tuple[str, ...] = TARGETS
    # Seconds between one process being back and the next kill.
    gap: tuple[float, float] = (6.0, 20.0)
    # Seconds a killed process stays down before it is started again.
    down: tuple[float, float] = (0.5, 5.0)
    # Stop after this many kills (None: until the chaos time is over).
    limit: int | None = None


@dataclass(frozen=True)
class Kill:
    target: str
    at: float  # seconds into the run
    down: float


def schedule(rng: random.Random, plan: KillPlan) -> Callable[[], str]:
    """Targets in a shuffled round first, so every one is hit, then drawn at random."""
    first = list(plan.targets)
    rng.shuffle(first)

    def next_target() -> str:
        return first.pop(0) if first else rng.choice(plan.targets)

    return next_target


async def run_kills(
    stack: Stack, rng: random.Random, plan: KillPlan, until: float, note: Callable[[str], None]
) -> list[Kill]:
    """Kill and restart until `until` (time.monotonic()) or the plan's limit."""
    began = time.monotonic()
    next_target = schedule(rng, plan)
    kills: list[Kill] = []
    while plan.limit is None or len(kills) < plan.limit:
        await asyncio.sleep(rng.uniform(*plan.gap))
        if time.monotonic() >= until:
            break
        target = next_target()
        down = rng.uniform(*plan.down)
        # A process the supervisor is reviving is already down: wait for it, keep the order.
        while stack.services[target].held:
            await asyncio.sleep(0.2)
        stack.kill(target)
        kills.append(Kill(target, time.monotonic() - began, down))
        note(f"kill -9 {target} (#{len(kills)}), down {down:.1f}s")
        await asyncio.sleep(down)
        await stack.restart(target)
    return kills
