#!/usr/bin/env bash
# Sends one signed callback to the Provisioner backend. Every callback of
# provision-agent.yml goes through this script, so the body, the signature and the retry
# rules are the same everywhere.
#
#   callback.sh claim                                  {status: provisioning, workflow_run_id, workflow_run_url}
#   callback.sh heartbeat                              {type: heartbeat}
#   callback.sh step vm_created|ansible_started|ansible_complete [FIELD=VALUE ...]
#   callback.sh running server_id=… server_ip=… tailscale_ip=… [FIELD=VALUE ...]
#   callback.sh failed failed_step=provision|install|configure error=… [FIELD=VALUE ...]
#   callback.sh cancelled [FIELD=VALUE ...]             {status: cancelled}: the clean-up after a cancel
#   callback.sh removed server_id=…                     {status: running, server_id}: deprovision-agent.yml's success
#   callback.sh sign WEBHOOK_ID TIMESTAMP < BODY       prints the Standard Webhooks headers of BODY
#
# `sign` sends nothing and needs only CALLBACK_SECRET: it signs a body read from standard input,
# with the id and timestamp given, exactly as a callback is signed. It is there to check the
# signing against the spec's published example and the backend (tests, operators rotating a
# secret); a callback always gets a fresh id and timestamp.
#
# FIELD=VALUE adds a string field, FIELD:=JSON a JSON one (used_snapshot:=true). The body is
# built with jq, never by string interpolation, so no value can break out of its field.
#
# Environment (what a run gives it; see docs/workflow.md):
#   CALLBACK_URL     the callback_url input (PUBLIC_BASE_URL/api/webhooks/github)
#   JOB_ID           the job_id input
#   CALLBACK_SECRET  the GH_CALLBACK_SECRET repository secret (whsec_ + base64, see key_hex below);
#                    optional when the run can get an ID token (below): then it signs as well
#   ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN   set by Actions with id-token: write;
#                    each attempt then asks for the run's ID token and sends it as Authorization: Bearer
#   CALLBACK_OIDC_AUDIENCE     the token's audience (default: CALLBACK_URL without api/webhooks/github,
#                    which is the backend's PUBLIC_BASE_URL, its default GITHUB_OIDC_AUDIENCE)
#   GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_SERVER_URL, GITHUB_REPOSITORY   set by Actions
#   PROVISION_RUN_ID the id the run claimed under, when the workflow gives it (see run_id below)
#   CALLBACK_MAX_ATTEMPTS      tries per callback (default 8 for claim/running/failed, 3 otherwise)
#   CALLBACK_RETRY_BASE_SECONDS, CALLBACK_RETRY_MAX_SECONDS   back-off (default 2 and 30)
#   CALLBACK_TIMEOUT_SECONDS   time limit of one attempt (default 20)
#   TRACEPARENT      the traceparent input: sent back as the traceparent header, so the
#                    callbacks join the job's trace (ignored unless it is a W3C traceparent)
#   AGENT_KEY_FILE   where the claim keeps the agent_key its answer carries (mode 0600); see keep_agent_key
#
# Exit status: 0 delivered (2xx); 3 refused with 409 (another run holds the job, or the job
# already ended: the run must stop); 1 not delivered; 2 wrong usage. The claim and the final
# callbacks (running, failed) report what happened; a step callback or a heartbeat is best
# effort and exits 0 whatever the backend said, so telemetry never fails a run.
set -euo pipefail

readonly EXIT_NOT_DELIVERED=1 EXIT_USAGE=2 EXIT_REFUSED=3

log() { printf 'callback: %s\n' "$*" >&2; }
usage() { log "$*"; exit "$EXIT_USAGE"; }

kind="${1:-}"
[ $# -gt 0 ] && shift

# A run proves itself with its GitHub Actions ID token when the job may ask for one
# (id-token: write), and with the shared secret's signature when the secret is set: both while
# a deployment moves from the secret to tokens (CALLBACK_AUTH=any), so there is no flag day.
use_token=false
if [ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] && [ -n "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
  use_token=true
fi
if [ -z "${CALLBACK_SECRET:-}" ] && { [ "$use_token" = false ] || [ "$kind" = sign ]; }; then
  usage "CALLBACK_SECRET is not set (the GH_CALLBACK_SECRET repository secret), and the job cannot ask for an ID token (permissions: id-token: write)"
fi

# The HMAC key of Standard Webhooks, as the spec and its reference libraries derive it, and as
# the backend does: a secret that starts with whsec_ is base64 of the key (the padding may be
# left off); any other secret is the key itself, its UTF-8 bytes. Printed as hex, so any byte
# reaches the HMAC unchanged. Neither the secret nor the key is ever printed elsewhere.
key_hex() {
  local secret="$1" encoded
  if [[ "$secret" == whsec_* ]]; then
    encoded="${secret#whsec_}"
    encoded="${encoded%%=*}"
    # Standard base64, whose padding only ends it; a length of 4n+1 cannot be base64.
    if ! [[ "${secret#whsec_}" =~ ^[A-Za-z0-9+/]*={0,2}$ ]] || [ $((${#encoded} % 4)) -eq 1 ]; then
      usage "CALLBACK_SECRET starts with whsec_ but the rest is not base64 (generate one with: echo \"whsec_\$(openssl rand -base64 32)\")"
    fi
    case $((${#encoded} % 4)) in
      2) encoded="$encoded==" ;;
      3) encoded="$encoded=" ;;
    esac
    printf '%s' "$encoded" | base64 -d | od -An -v -tx1 | tr -d ' \n'
  else
    printf '%s' "$secret" | od -An -v -tx1 | tr -d ' \n'
  fi
}
key_hex=""
if [ -n "${CALLBACK_SECRET:-}" ]; then
  key_hex="$(key_hex "$CALLBACK_SECRET")"
  [ -n "$key_hex" ] || usage "CALLBACK_SECRET gives an empty key"
fi

# Standard Webhooks v1: base64 of HMAC-SHA256(key, "id.timestamp.body"), over the body's bytes.
# The key reaches python3 in its environment, never on a command line (openssl takes it only
# there, where any process of the machine could read it in /proc).
signature() {  # signature ID TIMESTAMP BODY_FILE
  { printf '%s.%s.' "$1" "$2"; cat "$3"; } |
    CALLBACK_KEY_HEX="$key_hex" python3 -c 'import base64, hashlib, hmac, os, sys
sys.stdout.write(base64.b64encode(hmac.new(bytes.fromhex(os.environ["CALLBACK_KEY_HEX"]), sys.stdin.buffer.read(), hashlib.sha256).digest()).decode())'
}

if [ "$kind" = sign ]; then
  [ $# -eq 2 ] || usage "usage: callback.sh sign WEBHOOK_ID TIMESTAMP < BODY"
  [[ "$1" =~ ^[A-Za-z0-9_.-]+$ ]] || usage "WEBHOOK_ID must be letters, digits and _ . -"
  [[ "$2" =~ ^[0-9]+$ ]] || usage "TIMESTAMP must be seconds since the epoch"
  body="$(mktemp)"
  trap 'rm -f "$body"' EXIT
  cat >"$body"
  printf 'webhook-id: %s\nwebhook-timestamp: %s\nwebhook-signature: v1,%s\n' "$1" "$2" "$(signature "$1" "$2" "$body")"
  exit 0
fi

[ -n "${CALLBACK_URL:-}" ] || usage "CALLBACK_URL is not set"
[ -n "${JOB_ID:-}" ] || usage "JOB_ID is not set"
case "$CALLBACK_URL" in
  http://* | https://*) ;;
  *) usage "CALLBACK_URL must be an http(s) URL" ;;
esac

# A re-run of a run keeps GITHUB_RUN_ID; it claims under another id, so the backend refuses it
# (409) instead of letting it build a second VM for a job that the first attempt already ended.
# PROVISION_RUN_ID, when set, is the id of the attempt that provisioned (the workflow carries it
# to the clean-up job, which may be re-run alone as a later attempt).
run_id="${PROVISION_RUN_ID:-${GITHUB_RUN_ID:-}}"
if [ -z "${PROVISION_RUN_ID:-}" ] && [ -n "$run_id" ] && [ "${GITHUB_RUN_ATTEMPT:-1}" != "1" ]; then
  run_id="${run_id}.${GITHUB_RUN_ATTEMPT}"
fi

jq_args=(--arg job_id "$JOB_ID")
fatal=true
case "$kind" in
  claim)
    [ -n "$run_id" ] || usage "claim needs GITHUB_RUN_ID"
    jq_args+=(--arg status provisioning)
    ;;
  heartbeat)
    fatal=false
    jq_args+=(--arg type heartbeat)
    ;;
  step)
    fatal=false
    step="${1:-}"
    [ $# -gt 0 ] && shift
    case "$step" in
      vm_created | ansible_started | ansible_complete) ;;
      *) usage "step must be vm_created, ansible_started or ansible_complete, not '$step'" ;;
    esac
    jq_args+=(--arg status provisioning --arg step "$step")
    ;;
  running | removed)
    jq_args+=(--arg status running)
    ;;
  failed)
    jq_args+=(--arg status failed)
    ;;
  cancelled)
    jq_args+=(--arg status cancelled)
    ;;
  *)
    usage "usage: callback.sh claim|heartbeat|step NAME|running|removed|failed|cancelled [FIELD=VALUE|FIELD:=JSON ...]"
    ;;
esac

# Every callback names the run, so the backend can refuse one from a run that does not hold the job.
if [ -n "$run_id" ]; then
  jq_args+=(--arg workflow_run_id "$run_id")
  if [ "$kind" = claim ] && [ -n "${GITHUB_SERVER_URL:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
    jq_args+=(--arg workflow_run_url "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID")
  fi
fi

declare -A given=()
for field in "$@"; do
  name="${field%%=*}"
  [ "$name" != "$field" ] || usage "'$field' is not FIELD=VALUE"
  value="${field#*=}"
  if [[ "$name" == *: ]]; then
    name="${name%:}"
    [[ "$name" =~ ^[a-z_]+$ ]] || usage "'$name' is not a field name"
    jq -n --argjson v "$value" 'null' >/dev/null 2>&1 || usage "$name:= needs JSON, got '$value'"
    jq_args+=(--argjson "$name" "$value")
  else
    [[ "$name" =~ ^[a-z_]+$ ]] || usage "'$name' is not a field name"
    # The backend keeps a callback whole; a long log excerpt is cut so the body stays small.
    [ "$name" = error ] && value="${value:0:2000}"
    jq_args+=(--arg "$name" "$value")
  fi
  given[$name]=1
done

case "$kind" in
  running)
    for name in server_id server_ip tailscale_ip; do
      [ -n "${given[$name]:-}" ] || usage "running needs $name"
    done
    ;;
  removed)
    [ -n "${given[server_id]:-}" ] || usage "removed needs server_id (the server that was removed)"
    ;;
  failed)
    [ -n "${given[failed_step]:-}" ] || usage "failed needs failed_step (provision, install or configure)"
    [ -n "${given[error]:-}" ] || usage "failed needs error (what went wrong, for the status page)"
    ;;
esac

if [ "$fatal" = true ]; then
  max_attempts="${CALLBACK_MAX_ATTEMPTS:-8}"
else
  max_attempts="${CALLBACK_MAX_ATTEMPTS:-3}"
fi
base_delay="${CALLBACK_RETRY_BASE_SECONDS:-2}"
max_delay="${CALLBACK_RETRY_MAX_SECONDS:-30}"
attempt_timeout="${CALLBACK_TIMEOUT_SECONDS:-20}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# `failed` repeats failed_step as `step` (the contract's body has both); $ARGS.named keeps
# the order the fields were given in. -j: no trailing newline, so what is signed is what is sent.
jq -ncj "${jq_args[@]}" \
  '$ARGS.named | if .status == "failed" and (has("step") | not) then . + {step: .failed_step} else . end' \
  >"$work/body"

# The token's audience: this app's public address, as the backend expects it by default.
audience="${CALLBACK_OIDC_AUDIENCE:-${CALLBACK_URL%api/webhooks/github}}"

# The run's ID token for $audience, into $work/auth as a curl header line (so it is on no
# command line). Masked first, so the runner never prints it. Each attempt asks again: a token
# lives minutes and a callback's retries can outlast one.
id_token() {
  local answer token
  answer="$(curl -sS --fail --connect-timeout 10 --max-time "$attempt_timeout" \
    -H "@$work/request-auth" \
    "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$(jq -rn --arg a "$audience" '$a | @uri')" 2>"$work/token-error")" || return 1
  token="$(printf '%s' "$answer" | jq -r '.value // empty' 2>/dev/null)" || return 1
  [ -n "$token" ] || return 1
  [ "${GITHUB_ACTIONS:-}" = true ] && printf '::add-mask::%s\n' "$token"
  printf 'Authorization: Bearer %s\n' "$token" >"$work/auth"
}
if [ "$use_token" = true ]; then
  (umask 077 && printf 'Authorization: bearer %s\n' "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" >"$work/request-auth")
fi

# One id for every attempt of this callback: a retry of one that did arrive is acknowledged
# and applied once. The timestamp is fresh on each attempt (the backend allows 5 minutes).
webhook_id="msg_$(openssl rand -hex 16)"

# Retries are this loop rather than curl --retry: the same exponential back-off, plus jitter
# (half the delay fixed, half random, so runs that failed together do not retry together),
# a fresh timestamp and signature per attempt, and a Retry-After the backend sends honoured.
backoff() {
  awk -v base="$base_delay" -v cap="$max_delay" -v n="$1" -v r="$RANDOM" \
    'BEGIN { d = base * 2 ^ (n - 1); if (d > cap) d = cap; printf "%.3f", d / 2 + d / 2 * r / 32767 }'
}

# The claim's answer carries the job's agent key: the server's own credential for its health
# reports (docs/agent-health.md). It is masked in the run's log before anything else happens and
# written, never printed, to AGENT_KEY_FILE (0600), where the configure step's Ansible reads it.
keep_agent_key() {  # keep_agent_key ANSWER_FILE
  local key
  key="$(jq -r 'if type == "object" then .agent_key // empty else empty end' "$1" 2>/dev/null)" || key=""
  if [ -z "$key" ]; then
    log "the claim's answer carries no agent_key: the agent will not report its health"
    return 0
  fi
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    echo "::add-mask::$key"
  fi
  if ! [[ "$key" =~ ^[A-Za-z0-9_-]{1,200}$ ]]; then
    log "the claim's agent_key is not shaped like a key; not kept"
    return 0
  fi
  if [ -n "${AGENT_KEY_FILE:-}" ]; then
    (
      umask 077
      rm -f "$AGENT_KEY_FILE.tmp"
      printf '%s' "$key" >"$AGENT_KEY_FILE.tmp"
      mv -f "$AGENT_KEY_FILE.tmp" "$AGENT_KEY_FILE"
    )
    log "the agent key is kept in AGENT_KEY_FILE for the configure step"
  fi
}

give_up() {
  if [ "$fatal" = true ]; then
    exit "$1"
  fi
  log "best effort: the run goes on"
  exit 0
}

trace_header=()
if [[ "${TRACEPARENT:-}" =~ ^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$ ]]; then
  trace_header=(-H "traceparent: $TRACEPARENT")
fi

for ((attempt = 1; ; attempt++)); do
  : >"$work/answer"
  : >"$work/headers"
  ts="$(date +%s)"
  proof=(-H "webhook-id: $webhook_id")
  if [ -n "$key_hex" ]; then
    proof+=(-H "webhook-timestamp: $ts" -H "webhook-signature: v1,$(signature "$webhook_id" "$ts" "$work/body")")
  fi
  code=""
  if [ "$use_token" = true ]; then
    (umask 077 && : >"$work/auth")
    if id_token; then
      proof+=(-H "@$work/auth")
    elif [ -z "$key_hex" ]; then
      code=000
      printf 'no ID token from ACTIONS_ID_TOKEN_REQUEST_URL: %s' "$(head -c 300 "$work/token-error")" >"$work/curl-error"
    else
      log "no ID token this attempt; sending the signature alone"
    fi
  fi
  if [ -z "$code" ]; then
    code="$(curl -sS -o "$work/answer" -D "$work/headers" -w '%{http_code}' \
      --connect-timeout 10 --max-time "$attempt_timeout" \
      -X POST "$CALLBACK_URL" \
      -H 'Content-Type: application/json' \
      "${proof[@]}" \
      "${trace_header[@]}" \
      --data-binary "@$work/body" 2>"$work/curl-error")" || true
  fi
  [ -n "$code" ] || code=000

  case "$code" in
    2??)
      log "$kind delivered for job $JOB_ID ($code)"
      if [ "$kind" = claim ]; then
        keep_agent_key "$work/answer"
      fi
      exit 0
      ;;
    409)
      log "$kind refused for job $JOB_ID (409): $(head -c 500 "$work/answer")"
      give_up "$EXIT_REFUSED"
      ;;
    000 | 408 | 425 | 429 | 5??)
      reason="$code"
      [ "$code" = 000 ] && reason="$(head -c 300 "$work/curl-error" | tr '\n' ' ')"
      if [ "$attempt" -ge "$max_attempts" ]; then
        log "$kind not delivered for job $JOB_ID after $attempt attempts (last: $reason)"
        give_up "$EXIT_NOT_DELIVERED"
      fi
      delay="$(backoff "$attempt")"
      # A Retry-After in seconds (503 while storage is down, 429) is a floor, within the cap.
      retry_after="$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9][0-9]*\).*/\1/p' "$work/headers" | tail -n 1)"
      if [ -n "$retry_after" ]; then
        delay="$(awk -v d="$delay" -v r="$retry_after" -v cap="$max_delay" \
          'BEGIN { if (r > cap) r = cap; printf "%.3f", (r > d ? r : d) }')"
      fi
      log "$kind attempt $attempt for job $JOB_ID failed ($reason); retrying in ${delay}s"
      sleep "$delay"
      ;;
    *)
      # 400, 401, 404, 413: sending the same bytes again cannot help.
      log "$kind rejected for job $JOB_ID ($code): $(head -c 500 "$work/answer")"
      give_up "$EXIT_NOT_DELIVERED"
      ;;
  esac
done
