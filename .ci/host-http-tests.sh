#!/usr/bin/env bash
# Runs the HTTP-level tests (trait Category=HostHttp) against a host that is already running at
# $1, started with local.settings.sample.json and AzureWebJobs.DispatchJob.Disabled=true (so a
# test that plays the workflow by hand is alone with its job). The tests reach its storage
# through AzureWebJobsStorage when set, else the sample's UseDevelopmentStorage=true.
# Used by ./test.sh (against the local runner) and by CI (against `func start`).
set -euo pipefail
cd "$(dirname "$0")/.."
base_url="${1:?usage: .ci/host-http-tests.sh <base-url>}"
configuration="${CONFIGURATION:-Release}"

echo "host-http-tests: the HTTP-level tests against $base_url"
PROVISIONER_TEST_BASE_URL="$base_url" dotnet test tests/Provisioner.Tests -c "$configuration" --no-build --nologo \
  --filter "Category=HostHttp" \
  --results-directory "$PWD/artifacts/test-results" --logger "trx;LogFilePrefix=host-http" --logger "console;verbosity=minimal"
