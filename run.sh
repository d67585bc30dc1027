#!/usr/bin/env bash
# Starts Azurite (loopback, data kept in .azurite/) and the backend on http://127.0.0.1:${PORT:-7071}.
# Ctrl-C stops both; the next ./run.sh finds every job again. ./run.sh --fresh starts empty.
# See README.md, "Quick start".
set -euo pipefail
cd "$(dirname "$0")"
export PORT="${PORT:-7071}"
# A developer's machine, as func start says too: the sample's secrets, no sign-in and the
# simulated workflow are allowed only here (docs/configuration.md, "Outside development").
export AZURE_FUNCTIONS_ENVIRONMENT="${AZURE_FUNCTIONS_ENVIRONMENT:-Development}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
data="${AZURITE_LOCATION:-$PWD/.azurite}"

fresh=false
for arg in "$@"; do
  case "$arg" in
    --fresh) fresh=true ;;
    -h|--help) echo "Usage: ./run.sh [--fresh]   (--fresh: delete the local data in $data first)"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

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
  $fresh && echo "run.sh: --fresh has no effect on storage this script did not start" >&2
else
  if $fresh; then
    rm -rf "$data"
    echo "run.sh: --fresh: deleted the local data"
  fi
  mkdir -p "$data"
  node_modules/.bin/azurite --location "$data" --silent --disableTelemetry --skipApiVersionCheck \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 &
  pids+=($!)
  for _ in $(seq 1 100); do port_open 10002 && port_open 10001 && break; sleep 0.1; done
  port_open 10002 || { echo "run.sh: Azurite did not start" >&2; exit 1; }
  echo "run.sh: Azurite is up (blob 10000, queue 10001, table 10002; data in $data)"
fi

echo "run.sh: building the backend"
dotnet build functions/Provisioner.LocalRunner -c Release --nologo -v quiet -clp:ErrorsOnly

# What the runner needs beyond local.settings.json is passed here, explicitly: the port, the
# status page, and (unless set) the address the simulated workflow calls back to.
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}/}"
echo "run.sh: serving http://127.0.0.1:${PORT}/api and the status page at http://127.0.0.1:${PORT}/ (Ctrl-C stops)"
PROVISIONER_APP_ROOT="$PWD" dotnet functions/Provisioner.LocalRunner/bin/Release/net10.0/Provisioner.LocalRunner.dll \
  --port "$PORT" --web "$PWD/web" &
pids+=($!)
wait -n "${pids[@]}"
