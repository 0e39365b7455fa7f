#!/usr/bin/env bash
# Install into .venv with the test tools, lint, and run the whole test suite.
# PostgreSQL: ORDINO_TEST_ADMIN_URL, else 127.0.0.1:5432, else an embedded server.
set -euo pipefail
cd "$(dirname "$0")"
scripts/venv.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
