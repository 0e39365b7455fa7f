#!/usr/bin/env bash
# Write the lock files from what a clean install resolves today: requirements-test.lock (the
# project with [test], what ./test.sh installs) and requirements.lock (without the test tools:
# ./dev.sh and the image), pinned to the same versions, so what runs is what the tests ran.
#
#   scripts/lock.sh             every package to its newest release that pyproject.toml allows
#   scripts/lock.sh NAME...     only these move (say, a floor just raised); every other pin stays
#
# Each lock is `pip freeze` of a fresh venv: pip alone resolves, as scripts/venv.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Kept pins: the current lock without the named packages (names compare as pip does:
# case and -_. alike).
: >"$work/keep"
if [ $# -gt 0 ] && [ -f requirements-test.lock ]; then
  names="$(printf '%s\n' "$@" | sed 's/[-_.]/[-_.]/g' | paste -sd '|')"
  grep -viE "^(${names})==" requirements-test.lock | grep -v '^#' >"$work/keep" || true
fi

header() {
  echo "# $1, written by scripts/lock.sh on Python $("$python" -c 'import platform; print(platform.python_version())')."
  echo "# Do not edit: see docs/operations.md#dependencies."
}

# freeze LOCK EXTRA CONSTRAINTS WHAT: install the project into a new venv, then pin all it holds.
freeze() {
  local lock="$1" extra="$2" constraints="$3" what="$4" venv="$work/venv-${2:-runtime}"
  echo "Resolving Ordino${extra:+ with [$extra]} into $lock ..."
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -qq --upgrade pip
  "$venv/bin/python" -m pip install -qq -c "$constraints" -e ".${extra:+[$extra]}"
  "$venv/bin/python" -m pip check >/dev/null
  { header "$what"; "$venv/bin/python" -m pip freeze --exclude-editable; } >"$lock.new"
  mv "$lock.new" "$lock"
}

freeze requirements-test.lock test "$work/keep" "Ordino with its test tools"
# The runtime's versions are the test lock's: a subset, never a second resolution.
freeze requirements.lock "" requirements-test.lock "Ordino as it runs"
git --no-pager diff --stat -- requirements.lock requirements-test.lock 2>/dev/null || true
