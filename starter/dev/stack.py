"""`ordino dev`: everything on one machine with embedded defaults; a process that dies is
started again, and Ctrl-C stops everything."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from db.engine import Database
from db.migrate import upgrade
from db.seed import seed_demo_catalog
from runtime.database import database_url
from runtime.temporal_client import dev_server_flags
from settings import Settings
from starter.dev.api_keys import SHOWN, DevKeys, dev_keys
from starter.dev.binaries import temporal_cli
from starter.dev.codec_keys import KEYS_FILE, environment, kept_keys
from starter.dev.open_orders import place_open_orders
from starter.dev.pace import Pace, describe
from starter.dev.supervisor import Supervisor
from starter.http.routes import codec

console = Console()


def _wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            command = proc.args[0] if isinstance(proc.args, list | tuple) else proc.args
            raise SystemExit(f"{command!s} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def _endpoint(address: str, path: str) -> str:
    return f"http://{address}{path}" if address else "off"


def _keys_text(keys: DevKeys, data_dir: Path) -> str:
    """The API keys, one per role, as lines a person can paste into a shell."""
    lines = [f"API keys (source {data_dir / 'dev-keys.env'} in a shell to use them):"]
    for name, (_, _, what) in SHOWN.items():
        lines.append(f"  export ORDINO_{name.upper()}_KEY={keys.shown[name]}")
        lines.append(f"  [dim]# {what}[/]")
    return "\n".join(lines) + "\n"


def api_url(settings: Settings) -> str:
    """Where the stack's own API listens (what it waits for at start)."""
    return f"http://{settings.api_host}:{settings.api_port}"


def _seed_history(ordino: list[str], env: dict[str, str]) -> None:
    """Four weeks of closed orders on the first start, written with the pace's windows (the
    stack's settings are its processes' environment, so the CLI writes it)."""
    with console.status("Writing four weeks of demo history (on the first start only)…"):
        done = subprocess.run([*ordino, "seed", "--history"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        console.print(done.stdout.strip() or done.stderr.strip(), style="yellow")


def codec_endpoint(settings: Settings) -> str:
    """Where the Web UI, in the browser, finds the API's codec server."""
    return settings.api_base_url + codec.PREFIX


def temporal_server_command(settings: Settings, data_dir: Path) -> list[str]:
    host, _, port = settings.temporal_address.rpartition(":")
    return [
        temporal_cli(),
        "server",
        "start-dev",
        "--ip",
        host or "127.0.0.1",
        "--port",
        port,
        "--ui-port",
        str(settings.temporal_ui_port),
        "--db-filename",
        str(data_dir / "temporal.sqlite"),
        "--namespace",
        settings.temporal_namespace,
        # The Web UI asks the API's codec server to decrypt what it shows (CORS: ui_origins).
        "--ui-codec-endpoint",
        codec_endpoint(settings),
        "--log-level",
        "error",
        *dev_server_flags(),
    ]


def run_dev_stack(settings: Settings, pace: Pace) -> None:
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    stack = Supervisor(settings.retry_backoff, lambda line: console.print(line, style="yellow"))

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        with console.status("Starting PostgreSQL…"):
            url = database_url(settings)
        with console.status("Migrating and loading the demo catalog…"):
            upgrade(url)
            db = Database(url, pool_size=1)
            seed_demo_catalog(db)
            keys = dev_keys(db, data_dir / "dev-keys.json")
            db.dispose()
        with console.status("Starting the Temporal dev server…"):
            temporal = stack.start("temporal", temporal_server_command(settings, data_dir))
            host, _, port = settings.temporal_address.rpartition(":")
            _wait_for_port(host or "127.0.0.1", int(port), 60, temporal)

        env = {
            **pace.windows(),
            # One worker here: its metrics and probe on fixed ports (off elsewhere by default).
            "ORDINO_WORKER_METRICS": "127.0.0.1:9464",
            "ORDINO_WORKER_HEALTH": "127.0.0.1:9465",
            # The dev stack's own secrets are the built-in ones.
            "ORDINO_DEV_SECRETS_ALLOWED": "true",
            **environment(kept_keys(data_dir)),
            **os.environ,
            "ORDINO_DATABASE_URL": url,
            **keys.env(),
        }
        ordino = [sys.executable, "-m", "starter.cli"]
        _seed_history(ordino, env)
        mailsink = stack.start("mailsink", [*ordino, "mailsink"], env)
        _wait_for_port(settings.smtp_host, settings.smtp_port, 30, mailsink)
        stack.start("worker", [*ordino, "worker"], env)
        api = stack.start("api", [*ordino, "api"], env)
        with console.status("Starting the API…"):
            _wait_for_port(settings.api_host, settings.api_port, 60, api)
        stack.start("carrier", [*ordino, "carrier"], env)
        stack.start("warehouse", [*ordino, "warehouse"], env)
        with console.status("Placing a few open orders…"):
            open_orders = place_open_orders(api_url(settings), keys.shown["channel"])

        console.print(
            Panel.fit(
                f"[bold]Ordino is running[/]\n\n"
                f"Support console       {api_url(settings)}/console\n"
                f"                      (sign in with the support key: {keys.shown['support']})\n"
                f"API and OpenAPI docs  http://{settings.api_host}:{settings.api_port}/docs\n"
                f"Temporal Web UI       http://{settings.api_host}:{settings.temporal_ui_port} "
                f"(payloads decrypted by {codec_endpoint(settings)}\n"
                f"                      once you sign in at {codec_endpoint(settings)}/sign-in)\n"
                f"Metrics               http://{settings.api_host}:{settings.api_port}/metrics (API), "
                f"{_endpoint(env['ORDINO_WORKER_METRICS'], '/metrics')} (worker)\n"
                f"Worker probe          {_endpoint(env['ORDINO_WORKER_HEALTH'], '/ready')}\n"
                f"PostgreSQL            {url}\n"
                f"Data kept in          {data_dir} (the codec key in {KEYS_FILE})\n"
                f"Mail to customers     SMTP sink on {settings.smtp_host}:{settings.smtp_port}, "
                f"kept in {data_dir / settings.mailbox_dir}\n"
                f"Pace                  {pace.value}: {describe(env)}\n"
                f"Demo orders           four weeks closed (HIST-...), open: {', '.join(open_orders)}\n\n"
                f"{_keys_text(keys, data_dir)}\n"
                "Place an order:\n"
                f"  curl -s -X POST http://{settings.api_host}:{settings.api_port}/orders \\\n"
                '    -H "authorization: Bearer $ORDINO_CHANNEL_KEY" \\\n'
                "    -H 'content-type: application/json' -d @examples/order.json\n"
                "Watch it: ordino orders show webshop-DEMO-1   /   ordino orders mails webshop-DEMO-1\n"
                "Split parcels and exceptions: examples/README.md\n\n"
                "[dim]A process that dies is started again; Ctrl-C stops everything.[/]",
                border_style="green",
            )
        )
        stack.watch()
    except KeyboardInterrupt:
        console.print("\n[bold]Stopping Ordino…[/]")
    finally:
        stack.stop()
