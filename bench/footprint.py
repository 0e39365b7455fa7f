"""How much memory a group of processes holds, three ways (psutil's memory_full_info, Linux):
RSS counts every resident page, shared ones in full in each process; USS only the pages no
other process maps, what is freed when it exits; PSS shares each shared page out among the
processes that map it, so PSS adds up over processes. PostgreSQL's shared buffers are
mapped by every backend: its RSS summed counts them once per backend, its PSS once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import psutil

from bench.stack import cpu_ms_per, cpu_seconds

MIB = 2**20


@dataclass(frozen=True)
class Footprint:
    rss: int
    uss: int
    pss: int

    def __sub__(self, other: Footprint) -> Footprint:
        return Footprint(self.rss - other.rss, self.uss - other.uss, self.pss - other.pss)

    def per(self, n: int) -> Footprint:
        return Footprint(self.rss // n, self.uss // n, self.pss // n)

    def mib(self) -> str:
        return f"RSS {self.rss / MIB:,.0f} MiB, USS {self.uss / MIB:,.0f} MiB, PSS {self.pss / MIB:,.0f} MiB"

    def kib(self) -> str:
        return (
            f"RSS {self.rss / 1024:,.1f} KiB, USS {self.uss / 1024:,.1f} KiB, PSS {self.pss / 1024:,.1f} KiB"
        )


def footprint(pids: list[int]) -> Footprint:
    rss = uss = pss = 0
    for pid in pids:
        try:
            info = psutil.Process(pid).memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss, uss, pss = rss + info.rss, uss + info.uss, pss + info.pss
    return Footprint(rss, uss, pss)


async def settled(
    groups: Callable[[], dict[str, list[int]]], quiet_cpu: float = 0.05, timeout: float = 300
) -> float:
    """Wait until the processes are idle: less than `quiet_cpu` seconds of CPU among them all
    over two seconds. Returns how long that took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while loop.time() - start < timeout:
        before = cpu_seconds(groups())
        await asyncio.sleep(2)
        if sum(cpu_ms_per(before, cpu_seconds(groups()), 1000).values()) < quiet_cpu:
            break
    return loop.time() - start
