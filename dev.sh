#!/usr/bin/env bash
# Install into .venv and run Ordino with embedded defaults. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
scripts/venv.sh
exec .venv/bin/ordino dev "$@"
