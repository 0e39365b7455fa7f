#!/usr/bin/env bash
# Make .venv hold the project and the given extra ("" or "test"), at the versions its lock
# pins (requirements.lock, requirements-test.lock: scripts/lock.sh writes them); install
# again whenever pyproject.toml or that lock has changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
python="${PYTHON:-python3}"
lock="requirements${extra:+-$extra}.lock"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Ordino needs Python 3.11 or newer ($python is $("$python" --version))" >&2; exit 1; }
[ -f "$lock" ] || { echo "$lock is missing: scripts/lock.sh writes it" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed${extra:+-$extra}"
# What the last install was made from, by content: a touched file is not a change, and a
# branch switched back and forth is.
wanted="$(cat pyproject.toml "$lock" | cksum)"
# -qq: errors only; setuptools warns at length about every flat-layout editable install.
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "Installing Ordino${extra:+ with [$extra]} into .venv from $lock ..."
  .venv/bin/python -m pip install -qq --upgrade pip
  # The lock as constraints: pyproject.toml says what is needed, the lock which version.
  .venv/bin/python -m pip install -qq -c "$lock" -e ".${extra:+[$extra]}"
  echo "$wanted" >"$stamp"
fi
