#!/usr/bin/env bash
# Runs each mode of the benchmark once, as small and short as it goes (about 40 s), so that a change
# which stops it from starting or measuring fails the tests instead of the next person who needs
# the figures. The figures of these runs mean nothing: docs/performance.md has the real ones.
# Expects the Release build of Provisioner.sln (test.sh builds it) and Azurite in node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
bench=bench/Provisioner.Bench/bin/Release/net10.0/Provisioner.Bench.dll
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {
  local name=$1
  shift
  if ! dotnet "$bench" "$@" >"$out/$name.txt" 2>&1; then
    echo "bench-smoke: the benchmark's $name mode failed (dotnet $bench $*):" >&2
    tail -n 30 "$out/$name.txt" >&2
    return 1
  fi
  if ! grep -qx 'errors=0' "$out/$name.txt"; then
    echo "bench-smoke: the benchmark's $name mode counted errors (dotnet $bench $*):" >&2
    grep -E '^(errors=|#)' "$out/$name.txt" >&2 || true
    return 1
  fi
  echo "bench-smoke: $name mode ran ($(grep -c '=' "$out/$name.txt") figures)"
}

status=0
run comparisons --concurrency 2 --slice 0.2 --cap 1 --min-pairs 1 --pool 40 --callback-samples 2 --dispatch-samples 1 --create-samples 40 || status=1
run events --events 5 || status=1
run list-scale --list-scale 520 --list-samples 5 || status=1
exit "$status"
