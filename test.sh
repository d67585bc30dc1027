#!/usr/bin/env bash
# Restores, builds and runs every test: the unit tests (tests/Provisioner.UnitTests), then the
# integration tests (tests/Provisioner.Tests), which start their own Azurite on free loopback ports.
# See docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

for tool in dotnet node npm; do
  command -v "$tool" >/dev/null || { echo "test.sh: $tool is required (see README.md, Prerequisites)" >&2; exit 1; }
done

# npm ci when nothing is installed yet, or when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test.sh: installing Azurite and the linters, Redocly CLI included (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash .ci/check-workflow.sh
# docs/openapi.yaml against Redocly's recommended rules (redocly.yaml); any error fails the run.
bash .ci/check-openapi.sh

# The playbooks on a booted Debian 12, twice in each mode (docs/converge.md). CI runs it in a job
# of its own and sets PROVISIONER_SKIP_CONVERGE=1 for this one.
if [ "${PROVISIONER_SKIP_CONVERGE:-0}" = 1 ]; then
  echo "test.sh: converge skipped (PROVISIONER_SKIP_CONVERGE=1; CI's converge job runs it)"
else
  bash .ci/converge-ansible.sh
fi

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
if [ ! -x /usr/bin/chromium ]; then
  echo "test.sh: installing Chromium (apt-get)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

echo "test.sh: restoring and building (Release)"
# The local tools of dotnet-tools.json: Kiota, which generates the command-line tool's client from
# docs/openapi.yaml as it builds (docs/cli.md).
dotnet tool restore >/dev/null
dotnet restore Provisioner.sln --nologo -v quiet
bash .ci/check-infra.sh
dotnet build Provisioner.sln -c Release --no-restore --nologo -v quiet -clp:ErrorsOnly

results="$PWD/artifacts/test-results"
rm -rf "$results"
status=0
# The unit tests first (seconds, no Azurite, browser, process or network), then the integration
# tests; both run even when the first fails, so one summary covers everything. A test that hangs
# fails the run after 10 minutes, naming itself, instead of holding CI until its own time-out.
# docs/testing.md says which test goes where.
for run in unit:Provisioner.UnitTests integration:Provisioner.Tests; do
  prefix=${run%%:*} project=${run#*:}
  dotnet test "tests/$project" -c Release --no-build --nologo --blame-hang-timeout 10m --blame-hang-dump-type none \
    --results-directory "$results" --logger "trx;LogFilePrefix=$prefix" --logger "console;verbosity=minimal" || status=$?
done

# The HTTP-level tests once more, through the fixture's external mode, against the runner started
# as its own process with the sample settings: what CI's `func start` job does with the real host.
bash .ci/runner-as-external-host.sh || status=$?

# Each mode of the benchmark once, small: it still starts and measures (the figures mean nothing here).
bash .ci/bench-smoke.sh || status=$?

# One line per test run (unit, integration, host-http), then one plain summary line over all of them.
passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  echo "test.sh: $(basename "$trx" .trx): ${p:-0} passed, ${f:-0} failed, $(( ${t:-0} - ${e:-0} )) skipped"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
# Each project must have left its results: a project that did not run is not a pass.
for prefix in unit integration; do
  if ! compgen -G "$results/${prefix}*.trx" >/dev/null; then
    echo "test.sh: no test results from the $prefix tests" >&2
    status=1
  fi
done
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
