"""The stack as separate OS processes on private ports: PostgreSQL, the Temporal dev server
(file-backed), the mail sink, the worker, the API, the sandbox carrier and warehouse. Each
runs in its own process group, so kill -9 takes all of it (PostgreSQL's backends too), and
each starts again on the same data directory and port."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from db.engine import Database
from runtime.temporal_client import dev_server_flags
from starter.dev.api_keys import DevKeys, dev_keys
from starter.dev.binaries import temporal_cli
from starter.dev.codec_keys import environment, kept_keys

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "ordino"
# PostgreSQL refuses to run as root; pgserver's convention for that case is this user.
PG_SYSTEM_USER = "pgserver"
# The order the stack starts in; it stops the other way round.
START_ORDER = ("postgres", "temporal", "mailsink", "worker", "api", "carrier", "warehouse")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Ports:
    postgres: int
    temporal: int
    temporal_http: int
    temporal_metrics: int
    api: int
    smtp: int

    @classmethod
    def pick(cls) -> Ports:
        chosen: set[int] = set()
        while len(chosen) < 6:
            chosen.add(free_port())
        return cls(*sorted(chosen))


def postgres_bin() -> Path:
    """pgserver's binaries (a wheel the project installs anyway), else Debian's."""
    import warnings

    # platformdirs warns about a missing XDG_RUNTIME_DIR on servers; it falls back to /tmp.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import pgserver

        found = Path(pgserver.__file__).parent / "pginstall" / "bin"
        if (found / "postgres").exists():
            return found
    except ImportError:
        pass
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if debian:
        return Path(debian[-1]).parent
    raise FileNotFoundError("no PostgreSQL binaries: install the project (pgserver) or postgresql")


def _pg_user() -> tuple[str | None, int | None, int | None]:
    """Who PostgreSQL runs as: ourselves, or PG_SYSTEM_USER when we are root."""
    if os.geteuid() != 0:
        return None, None, None
    try:
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", PG_SYSTEM_USER], check=True, capture_output=True)
        entry = pwd.getpwnam(PG_SYSTEM_USER)
    return PG_SYSTEM_USER, entry.pw_uid, entry.pw_gid


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if await check():
                return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


async def port_open(port: int) -> bool:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()
    return True


@dataclass
class Service:
    """One process of the stack, restartable with the same command, data and port."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    ready: Callable[[], Awaitable[bool]] | None = None
    uid: int | None = None
    gid: int | None = None
    # Polite stop: SIGINT is PostgreSQL's fast shutdown; SIGTERM for the rest.
    stop_signal: int = signal.SIGTERM
    proc: subprocess.Popen[bytes] | None = None
    # Down on purpose (killed and waiting to restart, or restarting): the supervisor keeps out.
    held: bool = False
    started_at: float = 0.0
    starts: int = 0
    kills: int = 0
    # Return codes of exits nobody asked for (the supervisor restarted the process).
    unplanned: list[int] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)

    def start(self) -> None:
        with self.log.open("ab") as out:
            out.write(f"\n=== chaos: start #{self.starts + 1} at {time.strftime('%H:%M:%S')} ===\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self.uid,
                group=self.gid,
            )
        self.starts += 1
        self.started_at = time.monotonic()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _signal_group(self, sig: int) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """kill -9 of the process and everything it started."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout: float = 10) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal_group(self.stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        # Whatever the process left in its group (postgres backends) goes too.
        self._signal_group(signal.SIGKILL)
        self.proc.wait()

    async def wait_ready(self, timeout: float) -> None:
        if self.ready is not None:
            await wait_until(self.ready, timeout, self.name)


class Stack:
    """The processes, their supervisor, and the kill/restart the chaos schedule asks for."""

    def __init__(self, run_dir: Path, ports: Ports, settings: dict[str, str], note: Callable[[str], None]):
        self.run_dir = run_dir
        self.ports = ports
        self.note = note
        self.logs = run_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.mailbox = run_dir / "mailbox"
        self.database_url = f"postgresql://postgres@127.0.0.1:{ports.postgres}/{DATABASE}"
        self.admin_url = f"postgresql://postgres@127.0.0.1:{ports.postgres}/postgres"
        self.temporal_address = f"127.0.0.1:{ports.temporal}"
        self.api_url = f"http://127.0.0.1:{ports.api}"
        self.env = {
            **os.environ,
            **settings,
            "ORDINO_DATABASE_URL": self.database_url,
            "ORDINO_TEMPORAL_ADDRESS": self.temporal_address,
            "ORDINO_API_HOST": "127.0.0.1",
            "ORDINO_API_PORT": str(ports.api),
            "ORDINO_API_BASE_URL": self.api_url,
            "ORDINO_SMTP_HOST": "127.0.0.1",
            "ORDINO_SMTP_PORT": str(ports.smtp),
            "ORDINO_DATA_DIR": str(run_dir),
            "ORDINO_DEV_SECRETS_ALLOWED": "true",
            **environment(kept_keys(run_dir)),  # the run's own, kept with its data
        }
        self.services: dict[str, Service] = {}
        self._revivals: set[asyncio.Task[None]] = set()
        self._build()

    # --- the processes ------------------------------------------------------------

    def _build(self) -> None:
        self.pg_data = self.run_dir / "postgres"
        _, uid, gid = _pg_user()
        self._pg_ids = (uid, gid)
        pg_bin = self.pg_bin = postgres_bin()
        if uid is not None:
            # Run as another user, PostgreSQL may not reach binaries inside a private checkout
            # (a clone in a 0700 temporary folder): it runs a copy in the run's own folder.
            # pgserver's binaries find their libraries at $ORIGIN/../../../pgserver.libs: keep
            # that layout (site-packages/pgserver/pginstall/bin) in the copy.
            home, libs = pg_bin.parent.parent.parent, pg_bin.parent.parent.parent / "pgserver.libs"
            copy = self.run_dir / "pg" / pg_bin.parent.relative_to(home)
            if not copy.exists():
                shutil.copytree(pg_bin.parent, copy, symlinks=True)
                if libs.is_dir():
                    shutil.copytree(libs, self.run_dir / "pg" / libs.name, symlinks=True)
            pg_bin = self.pg_bin = copy / "bin"
        ordino = [sys.executable, "-m", "starter.cli"]
        p = self.ports
        specs: dict[str, tuple[list[str], Callable[[], Awaitable[bool]] | None]] = {
            "postgres": (
                [str(pg_bin / "postgres"), "-D", str(self.pg_data), "-p", str(p.postgres),
                 "-h", "127.0.0.1", "-k", str(self.pg_data), "-c", "max_connections=300"],
                self._pg_ready,
            ),
            "temporal": (
                [temporal_cli(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(p.temporal),
                 "--http-port", str(p.temporal_http), "--metrics-port", str(p.temporal_metrics),
                 "--headless", "--db-filename", str(self.run_dir / "temporal.sqlite"),
                 "--log-level", "error", *dev_server_flags()],
                lambda: port_open(p.temporal),
            ),
            "mailsink": (
                [sys.executable, "-m", "bench.chaos.mailsink", "--port", str(p.smtp),
                 "--dir", str(self.mailbox)],
                lambda: port_open(p.smtp),
            ),
            "worker": ([*ordino, "worker"], None),
            "api": ([*ordino, "api"], self._api_ready),
            "carrier": ([*ordino, "carrier"], None),
            "warehouse": ([*ordino, "warehouse"], None),
        }  # fmt: skip
        for name in START_ORDER:
            argv, ready = specs[name]
            svc = Service(name, argv, self.env, self.logs / f"{name}.log", ready)
            if name == "postgres":
                svc.uid, svc.gid, svc.stop_signal = uid, gid, signal.SIGINT
            self.services[name] = svc

    async def _pg_ready(self) -> bool:
        conn = await psycopg.AsyncConnection.connect(self.admin_url, connect_timeout=2)
        await conn.close()
        return True

    async def _api_ready(self) -> bool:
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"{self.api_url}/health")).status_code == 200

    def _initdb(self) -> None:
        if (self.pg_data / "PG_VERSION").exists():
            return
        self.pg_data.mkdir(parents=True, exist_ok=True)
        uid, gid = self._pg_ids
        if uid is not None and gid is not None:
            # The PostgreSQL user must reach its data directory through every parent.
            for parent in [self.run_dir, *self.run_dir.parents]:
                parent.chmod(parent.stat().st_mode | 0o055)
            os.chown(self.pg_data, uid, gid)
        argv = [str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "--auth=trust", "-U", "postgres",
                "-E", "utf8", "--no-sync"]  # fmt: skip
        with (self.logs / "initdb.log").open("ab") as out:
            subprocess.run(argv, check=True, stdout=out, stderr=subprocess.STDOUT, user=uid, group=gid)

    async def start(self, prepare_database: Callable[[str], None]) -> None:
        """initdb, PostgreSQL, the database (migrated and seeded by prepare_database), then
        Temporal and the Ordino processes, each waited for where it has a way to tell."""
        await asyncio.to_thread(self._initdb)
        pg = self.services["postgres"]
        pg.start()
        await pg.wait_ready(60)
        async with await psycopg.AsyncConnection.connect(self.admin_url, autocommit=True) as conn:
            exists = await (
                await conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
            ).fetchone()
            if not exists:
                await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        await asyncio.to_thread(prepare_database, self.database_url)
        self.keys = await asyncio.to_thread(self._keys)
        self.env.update(self.keys.env())  # the services' env: the sandbox warehouse's keys
        for name in START_ORDER[1:]:
            svc = self.services[name]
            svc.start()
            await svc.wait_ready(90)
        self.note(f"stack up: API {self.api_url}, Temporal {self.temporal_address}, data in {self.run_dir}")

    def _keys(self) -> DevKeys:
        db = Database(self.database_url, pool_size=1)
        try:
            return dev_keys(db, self.run_dir / "dev-keys.json")
        finally:
            db.dispose()

    async def stop(self) -> None:
        for task in self._revivals:
            task.cancel()
        for name in reversed(START_ORDER):
            await asyncio.to_thread(self.services[name].stop)

    # --- chaos ----------------------------------------------------------------------

    def kill(self, name: str) -> None:
        svc = self.services[name]
        svc.held = True
        svc.kill()
        svc.kills += 1

    async def restart(self, name: str, timeout: float = 60) -> None:
        """Start a killed process again; if it will not come up, the supervisor takes over."""
        svc = self.services[name]
        began = time.monotonic()
        svc.start()
        try:
            await svc.wait_ready(timeout)
            svc.restart_seconds.append(time.monotonic() - began)
        except TimeoutError as err:
            self.note(f"[yellow]{err}[/]")
        finally:
            svc.held = False

    async def supervise(self, stop: asyncio.Event) -> None:
        """Restart any process that exits without being killed, with a growing pause when it
        keeps dying (a worker that cannot reach Temporal, say), and remember each exit."""
        streak: dict[str, int] = {}
        while not stop.is_set():
            for svc in self.services.values():
                if svc.held or svc.proc is None or svc.proc.poll() is None:
                    continue
                rc = svc.proc.returncode
                svc.unplanned.append(rc)
                lived = time.monotonic() - svc.started_at
                streak[svc.name] = streak.get(svc.name, 0) + 1 if lived < 30 else 0
                pause = min(0.5 * 2 ** streak[svc.name], 8.0)
                self.note(f"[red]{svc.name} exited on its own (rc {rc}) after {lived:.0f}s[/]; restarting")
                svc.held = True
                task = asyncio.create_task(self._revive(svc.name, pause))
                self._revivals.add(task)
                task.add_done_callback(self._revivals.discard)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    async def _revive(self, name: str, pause: float) -> None:
        await asyncio.sleep(pause)
        await self.restart(name)

    async def all_up(self, timeout: float) -> bool:
        """Wait until every process runs (a restart or revival may be under way)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(s.running() and not s.held for s in self.services.values()):
                return True
            await asyncio.sleep(0.5)
        return False
