#!/usr/bin/env bash
# Starts the local runner as its own process, outside the test fixture, exactly as CI starts
# `func start`: the sample settings as they are (a copy of local.settings.sample.json as
# local.settings.json beside host.json), dispatch switched off with the host's own setting, its
# own Azurite. Then runs .ci/host-http-tests.sh against it, so the fixture's external mode is
# exercised here too. Everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${CONFIGURATION:-Release}"

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

work=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

blob=$(free_port); queue=$(free_port); table=$(free_port); port=$(free_port)
node_modules/.bin/azurite --inMemoryPersistence --silent --disableTelemetry --skipApiVersionCheck \
  --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" &
pids+=($!)

key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"

# The app's folder as the host sees it: host.json and the sample settings, nothing else.
cp host.json "$work/host.json"
cp local.settings.sample.json "$work/local.settings.json"
env PROVISIONER_APP_ROOT="$work" "AzureWebJobs.DispatchJob.Disabled=true" \
  dotnet "functions/Provisioner.LocalRunner/bin/$configuration/net10.0/Provisioner.LocalRunner.dll" --port "$port" >"$work/runner.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 300); do port_open "$port" && break; sleep 0.1; done
port_open "$port" || { echo "runner-as-external-host: the runner did not start:" >&2; cat "$work/runner.log" >&2; exit 1; }

status=0
bash .ci/host-http-tests.sh "http://127.0.0.1:$port/" || status=$?
if [ "$status" -ne 0 ]; then
  echo "runner-as-external-host: the runner's log:" >&2
  tail -n 50 "$work/runner.log" >&2
fi
exit "$status"
