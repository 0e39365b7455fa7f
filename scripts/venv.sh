#!/usr/bin/env bash
# Make .venv hold the project and the given extra ("" or "test"); reinstall only when
# pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
python="${PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Ordino needs Python 3.11 or newer ($python is $("$python" --version))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed${extra:+-$extra}"
# -qq: errors only; setuptools warns at length about every flat-layout editable install.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Ordino${extra:+ with [$extra]} into .venv ..."
  .venv/bin/python -m pip install -qq --upgrade pip
  .venv/bin/python -m pip install -qq -e ".${extra:+[$extra]}"
  touch "$stamp"
fi
