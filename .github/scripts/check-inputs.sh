#!/usr/bin/env bash
# Refuses a dispatch whose inputs are not what the backend sends, before anything uses them.
# The inputs arrive as environment variables (never pasted into a script by ${{ }}), and the
# patterns are the contract's, so a value that passes cannot carry shell or YAML syntax.
#
#   check-inputs.sh [provision | deprovision]   deprovision-agent.yml has server_id, no region
set -euo pipefail

mode="${1:-provision}"

fail() { echo "::error::$1"; exit 1; }

[[ "${JOB_ID:-}" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]] ||
  fail "job_id must be the GUID the backend assigned"
[[ "${AGENT_ID:-}" =~ ^[A-Za-z0-9_-]{1,64}$ ]] ||
  fail "agent_id must be 1 to 64 characters of A-Z a-z 0-9 _ -"
[[ "${CALLBACK_URL:-}" =~ ^https?://[^[:space:]]+$ ]] ||
  fail "callback_url must be an http(s) URL"
if [ "$mode" = deprovision ]; then
  # Any id the backend was told; delete-server.yml refuses one that is not a Hetzner server id.
  [[ "${SERVER_ID:-}" =~ ^[A-Za-z0-9_.-]{1,64}$ ]] ||
    fail "server_id must be the server's id, as the provisioning run reported it"
  echo "inputs: job $JOB_ID, agent $AGENT_ID, server $SERVER_ID"
  exit 0
fi
[[ "${REGION:-}" =~ ^[a-z0-9-]{1,32}$ ]] ||
  fail "region must be 1 to 32 characters of a-z 0-9 -"
if ! [[ "${KEEP_FAILED_SERVER_MINUTES:-0}" =~ ^[0-9]{1,4}$ ]] || [ "${KEEP_FAILED_SERVER_MINUTES:-0}" -gt 1440 ]; then
  fail "keep_failed_server_minutes must be a whole number of minutes from 0 to 1440"
fi
case "${RESUME_FROM:-}" in
  "") [ -z "${RESUME_SERVER_ID:-}" ] || fail "server_id is only for a re-run from the failed step (resume_from)" ;;
  install | configure)
    [[ "${RESUME_SERVER_ID:-}" =~ ^[0-9]{1,20}$ ]] ||
      fail "a re-run from the failed step needs server_id, the kept Hetzner server's id" ;;
  *) fail "resume_from must be install, configure or empty" ;;
esac
echo "inputs: job $JOB_ID, agent $AGENT_ID, region $REGION${RESUME_FROM:+, re-run from $RESUME_FROM on server $RESUME_SERVER_ID}"
