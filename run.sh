#!/usr/bin/env bash
# Starts Azurite (in memory, loopback) and the backend on http://127.0.0.1:${PORT:-7071}.
# Ctrl-C stops both. See README.md, "Quick start".
set -euo pipefail
cd "$(dirname "$0")"
export PORT="${PORT:-7071}"
export PROVISIONER_APP_ROOT="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for tool in dotnet node npm; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required (see README.md, Prerequisites)" >&2; exit 1; }
done

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "run.sh: installing Azurite (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -f local.settings.json ]; then
  cp local.settings.sample.json local.settings.json
  echo "run.sh: created local.settings.json from local.settings.sample.json"
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_open 10002; then
  echo "run.sh: storage is already listening on 127.0.0.1:10000-10002; using it"
else
  node_modules/.bin/azurite --inMemoryPersistence --silent --disableTelemetry --skipApiVersionCheck \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 &
  pids+=($!)
  for _ in $(seq 1 100); do port_open 10002 && port_open 10001 && break; sleep 0.1; done
  port_open 10002 || { echo "run.sh: Azurite did not start" >&2; exit 1; }
  echo "run.sh: Azurite is up (blob 10000, queue 10001, table 10002; in memory)"
fi

echo "run.sh: building the backend"
dotnet build functions/Provisioner.LocalRunner -c Release --nologo -v quiet -clp:ErrorsOnly

echo "run.sh: serving http://127.0.0.1:${PORT}/api (Ctrl-C stops)"
dotnet functions/Provisioner.LocalRunner/bin/Release/net10.0/Provisioner.LocalRunner.dll &
pids+=($!)
wait -n "${pids[@]}"
