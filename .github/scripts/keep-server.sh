#!/usr/bin/env bash
# The clean-up's keep decision (docs/lifecycle.md, "Re-run from the failed step"): whether a
# failed run's server is held for a re-run from the failed step instead of deleted, and until
# when. Changes nothing; prints the decision as step outputs (and to $GITHUB_OUTPUT):
#   keep=true|false
#   keep_until=<seconds since the epoch>   the Hetzner label (digits only: label values allow no ':')
#   kept_until=<UTC ISO-8601>              the failure callback's server_kept_until
#
# Kept only when all hold: the provisioning job failed (not cancelled, not timed out as a whole:
# RESULT=failure) because its install or configure step failed by itself (PHASE_FAILED=true),
# FAILED_STEP is install or configure, the run knows its server (SERVER_ID), the server was
# handed over for a re-run (HANDED_OVER=true: its re-run key is authorised, handover-key.sh) and
# KEEP_FAILED_SERVER_MINUTES (the dispatch input; the backend's setting) is more than 0.
# Anything else: deleted as before.
#
# Environment: RESULT, PHASE_FAILED, FAILED_STEP, SERVER_ID, HANDED_OVER,
#   KEEP_FAILED_SERVER_MINUTES (0 to 1440), KEEP_NOW (seconds since the epoch; default now).
set -euo pipefail

out="${GITHUB_OUTPUT:-/dev/null}"
minutes="${KEEP_FAILED_SERVER_MINUTES:-0}"
now="${KEEP_NOW:-$(date +%s)}"

decide() {  # decide true|false REASON
  echo "keep: $2" >&2
  echo "keep=$1" | tee -a "$out"
}

if ! [[ "$minutes" =~ ^[0-9]{1,4}$ ]] || [ "$minutes" -gt 1440 ]; then
  decide false "keep_failed_server_minutes '$minutes' is not 0 to 1440: deleting"
elif [ "$minutes" -eq 0 ]; then
  decide false "keeping failed servers is off (keep_failed_server_minutes is 0)"
elif [ "${RESULT:-}" != failure ]; then
  decide false "the run ended ${RESULT:-?}, not failed at a step: deleting"
elif [ "${FAILED_STEP:-}" != install ] && [ "${FAILED_STEP:-}" != configure ]; then
  decide false "the run failed in its ${FAILED_STEP:-?} phase: only install and configure can be re-run"
elif [ "${PHASE_FAILED:-}" != true ]; then
  decide false "the ${FAILED_STEP} step did not fail by itself (cancelled or timed out): deleting"
elif ! [[ "${SERVER_ID:-}" =~ ^[0-9]+$ ]]; then
  decide false "the run does not know its server's id: deleting what carries its labels"
elif [ "${HANDED_OVER:-}" != true ]; then
  decide false "the server was not handed over for a re-run (no re-run key authorised): deleting"
else
  until_epoch=$((now + minutes * 60))
  decide true "server $SERVER_ID is kept for $minutes minutes"
  echo "keep_until=$until_epoch" | tee -a "$out"
  echo "kept_until=$(date -u -d "@$until_epoch" +%Y-%m-%dT%H:%M:%SZ)" | tee -a "$out"
fi
