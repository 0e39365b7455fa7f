"""Schemathesis against the API served over HTTP with a real worker, Temporal and
PostgreSQL: generated valid and invalid requests, and chains of them along the links it
infers, must never answer 5xx and must answer as the OpenAPI document says (statuses,
bodies, content types, 405s with Allow). A longer run:

    ORDINO_FUZZ_SECONDS=1200 ORDINO_FUZZ_SEED=$RANDOM .venv/bin/pytest tests/integration/test_fuzzing.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from db.engine import Database
from db.seed import seed_demo_catalog
from settings import Settings
from starter.http.app import create_app
from starter.http.dependencies import Services
from tests.support.database import fresh_database, ledger_drift
from tests.support.keys import STAND_IN, WithKeys
from worker import build_worker

SECONDS = int(os.environ.get("ORDINO_FUZZ_SECONDS", "40"))
SEED = os.environ.get("ORDINO_FUZZ_SEED", "12")  # fixed, so a failure in the suite replays
# Valid-looking data is refused by business rules all the time (unknown SKUs, no stock).
NOT_CHECKED = "positive_data_acceptance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def own_db(admin_url: str) -> Iterator[Database]:
    """A database of the fuzzer's own: the orders of earlier tests, whose workers are gone,
    would never answer an update (503 timed_out), and it finds them through GET /orders."""
    with fresh_database(admin_url) as url:
        database = Database(url)
        seed_demo_catalog(database)
        yield database
        database.dispose()


@pytest.mark.timeout(SECONDS * 3 + 180)  # beyond the suite's 300 s for a long run
async def test_the_fuzzer_finds_no_server_error_and_nothing_undocumented(
    dev_env, own_db: Database, settings: Settings, tmp_path
):
    db = own_db
    fuzz_settings = settings.model_copy(
        update={"task_queue": f"fuzz-{uuid.uuid4().hex[:6]}", "carrier_step_delay": timedelta(0)}
    )
    app = create_app(fuzz_settings, Services(fuzz_settings, dev_env.client, db))
    port = _free_port()
    config = uvicorn.Config(
        WithKeys(app, db), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    async with build_worker(dev_env.client, db, fuzz_settings):
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            fuzzer = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).with_name("st")),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--checks=all",
                f"--exclude-checks={NOT_CHECKED}",
                # A stand-in that WithKeys makes the right key for each request.
                "--header",
                f"Authorization: {STAND_IN.decode()}",
                f"--max-time={SECONDS}",
                "--max-examples=25",
                "--workers=1",  # 2 trips a CPython 3.11 ast.parse race in hypothesis
                "--request-timeout=20",
                f"--seed={SEED}",
                "--suppress-health-check=all",
                f"--report-dir={tmp_path}",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, "NO_COLOR": "1", "COLUMNS": "160"},
                cwd=tmp_path,  # its cache (.schemathesis/) stays out of the work tree
            )
            output, _ = await asyncio.wait_for(fuzzer.communicate(), timeout=SECONDS * 2 + 60)
        finally:
            if fuzzer.returncode is None:
                fuzzer.kill()
                await fuzzer.wait()
            server.should_exit = True
            await serving
    report = output.decode(errors="replace")
    print(report[-4000:])  # the summary: phases, operations, checks
    assert fuzzer.returncode == 0, report[-20000:]
    assert ledger_drift(db) == []  # whatever it did, the stock books balance
