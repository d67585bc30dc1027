#!/usr/bin/env bash
# Lints docs/openapi.yaml with Redocly's recommended rules (redocly.yaml) using the Redocly CLI
# that `npm ci` installed at the version pinned in package.json. Exits non-zero on any error;
# warnings are printed. Telemetry and the update check stay off: CI has no internet.
set -euo pipefail
cd "$(dirname "$0")/.."

redocly=node_modules/.bin/redocly
[ -x "$redocly" ] || { echo "check-openapi: $redocly is missing; run npm ci" >&2; exit 1; }
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
"$redocly" lint docs/openapi.yaml --config redocly.yaml --format=stylish
echo "check-openapi: docs/openapi.yaml passes Redocly's recommended rules ($("$redocly" --version))"
