#!/usr/bin/env bash
# The console's one JavaScript library, htmx, comes from the npm registry as published:
# fetch the pinned version again (to check the file or to move to another version).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${1:-2.0.11}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$VERSION" >/dev/null && tar xzf htmx.org-*.tgz)
cp "$work/package/dist/htmx.min.js" starter/console/static/htmx.min.js
cp "$work/package/LICENSE" starter/console/static/htmx.LICENSE
echo "htmx $VERSION in starter/console/static/"
