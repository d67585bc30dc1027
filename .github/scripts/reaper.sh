#!/usr/bin/env bash
# Finds agent VMs (and tailnet devices) that outlived their job, and deletes them: the
# scheduled safety net of reap-agents.yml for runs whose clean-up never ran (a lost runner) or
# failed for good. See docs/workflow.md, "The reaper".
#
#   reaper.sh list > inventory.json             Hetzner servers and SSH keys labelled
#                                               managed_by=provisioner, and the tailnet's devices
#   reaper.sh decide inventory.json > decisions.json
#                                               asks the backend for each job; decides, changes nothing
#   reaper.sh act decisions.json                deletes what was decided (not with REAPER_DRY_RUN=true),
#                                               prints the decisions and adds them to $GITHUB_STEP_SUMMARY
#   reaper.sh                                   all three
#
# Before it asks about any job, it proves it talks to the Provisioner backend: GET /api/health
# must answer 200 with the app's own document ({"status":"ok"}); otherwise it stops and deletes
# nothing. A job's 404 counts as "the backend does not know this job" only when it is the app's
# problem document (application/problem+json, status 404, naming that job); any other 404 (a
# wrong PROVISIONER_URL, a renamed route, a proxy's page) stops every deletion of the run.
#
# What is deleted: a server (or SSH key) whose job the backend reports `failed` (that covers
# timed-out runs) or `cancelled`, unless it is held for a re-run from the failed step (its
# keep_until label, seconds since the epoch, and the job's server.kept_until are both set and the
# earlier of them plus REAPER_HOLD_GRACE_MINUTES is still ahead: the backend ends a hold itself
# with a deprovision job, the reaper only after that had its chance); or that names a job the
# backend does not know (the app's 404) and was created longer than REAPER_GRACE_MINUTES ago.
# Never one whose job is `queued`, `provisioning`, `cancelling` or `running`, nor one the
# backend could not be asked about. A tailnet device tagged TS_AGENT_TAG whose hostname is an
# agent server's (agent-…) goes with that server; when no server of that name exists, it is
# deleted once older than the grace period.
#
# At most REAPER_MAX_DELETIONS servers and tailnet devices (not counting a device that goes with
# its server, nor SSH keys, which open nothing once a server exists) are deleted per run, oldest
# first; the rest are reported as over the cap and left to a person (the run then fails, so
# someone looks).
#
# Environment:
#   PROVISIONER_URL          the backend (PUBLIC_BASE_URL); GET /api/health and /api/jobs/{job_id} are asked
#   ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN   set by Actions with id-token: write:
#                            the run's GitHub Actions ID token is sent as Authorization: Bearer on
#                            the backend reads (the backend grants a reaper run listing and reading
#                            jobs, nothing else; docs/identity.md, "The reaper"). No stored API token.
#   REAPER_OIDC_AUDIENCE     the token's audience (default: PROVISIONER_URL, the backend's PUBLIC_BASE_URL)
#   REAPER_DRY_RUN           true: decide and report, delete nothing (default: delete)
#   REAPER_MAX_DELETIONS     default 5
#   REAPER_GRACE_MINUTES     default 120
#   REAPER_HOLD_GRACE_MINUTES default 30
#   HCLOUD_TOKEN, TS_OAUTH_CLIENT_ID, TS_OAUTH_SECRET, TS_AGENT_TAG (default tag:agent)
#   HCLOUD_API_URL, TAILSCALE_API_URL   default Hetzner's and Tailscale's public APIs
#   REAPER_NOW               seconds since the epoch to judge ages by (default: now)
#   REAPER_RETRY_SECONDS     back-off between tries of a call (default 10)
# Exit status: 0 done; 1 something could not be decided or deleted, something was over the cap,
# or the backend did not prove itself (the rest was still done); 2 wrong usage.
set -euo pipefail

hcloud_api="${HCLOUD_API_URL:-https://api.hetzner.cloud/v1}"
tailscale_api="${TAILSCALE_API_URL:-https://api.tailscale.com/api/v2}"
grace_minutes="${REAPER_GRACE_MINUTES:-120}"
hold_grace_minutes="${REAPER_HOLD_GRACE_MINUTES:-30}"
max_deletions="${REAPER_MAX_DELETIONS:-5}"
agent_tag="${TS_AGENT_TAG:-tag:agent}"
retry_seconds="${REAPER_RETRY_SECONDS:-10}"

log() { printf 'reaper: %s\n' "$*" >&2; }
usage() { log "$*"; exit 2; }

[[ "$grace_minutes" =~ ^[0-9]+$ ]] || usage "REAPER_GRACE_MINUTES must be a number of minutes"
[[ "$hold_grace_minutes" =~ ^[0-9]+$ ]] || usage "REAPER_HOLD_GRACE_MINUTES must be a number of minutes"
[[ "$max_deletions" =~ ^[0-9]+$ ]] || usage "REAPER_MAX_DELETIONS must be a whole number"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A secret goes to curl in a file (-H @file, --data-urlencode name@file), never on its command
# line, where any process of the machine could read it in /proc. printf is a shell builtin: the
# value is on no command line on its way into the file either.
secret_file() {  # secret_file NAME PREFIX VALUE [SUFFIX]: writes PREFIX VALUE SUFFIX to $work/NAME (0600), prints its path
  (umask 077 && printf '%s%s%s' "$2" "$3" "${4:-}" >"$work/$1")
  printf '%s' "$work/$1"
}
hcloud_auth() { secret_file hcloud-auth 'Authorization: Bearer ' "${HCLOUD_TOKEN:?HCLOUD_TOKEN is not set}" $'\n'; }

# call METHOD URL [curl args...]: prints "CODE" and leaves the body in $work/body and the
# headers in $work/headers. Retries
# network errors, 423 (Hetzner: locked by another action), 429 and 5xx, five tries in all.
call() {
  local method="$1" url="$2" code attempt
  shift 2
  for ((attempt = 1; ; attempt++)); do
    code="$(curl -sS -o "$work/body" -D "$work/headers" -w '%{http_code}' --connect-timeout 10 --max-time 60 \
      -X "$method" "$url" "$@" 2>"$work/curl-error")" || true
    [ -n "$code" ] || code=000
    case "$code" in
      000 | 423 | 429 | 5??)
        if [ "$attempt" -lt 5 ]; then
          log "$method $url: $code, trying again in ${retry_seconds}s"
          sleep "$retry_seconds"
          continue
        fi
        ;;
    esac
    printf '%s' "$code"
    return 0
  done
}

hcloud_list() {  # hcloud_list servers|ssh_keys: every page, labelled managed_by=provisioner
  local kind="$1" page=1 code
  : >"$work/$kind.pages"
  while [ -n "$page" ] && [ "$page" != null ]; do
    code="$(call GET "$hcloud_api/$kind?label_selector=managed_by%3Dprovisioner&per_page=50&page=$page" \
      -H "@$(hcloud_auth)")"
    [ "$code" = 200 ] || { log "Hetzner answered $code to the $kind list: $(head -c 300 "$work/body")"; return 1; }
    jq -c ".${kind}[]" "$work/body" >>"$work/$kind.pages"
    page="$(jq -r '.meta.pagination.next_page // empty' "$work/body")"
  done
  jq -s '.' "$work/$kind.pages"
}

# Asks Tailscale for an access token; prints the path of a header file that carries it.
tailscale_token() {
  local code
  code="$(call POST "$tailscale_api/oauth/token" \
    --data-urlencode "client_id@$(secret_file ts-client-id '' "${TS_OAUTH_CLIENT_ID:?TS_OAUTH_CLIENT_ID is not set}")" \
    --data-urlencode "client_secret@$(secret_file ts-client-secret '' "${TS_OAUTH_SECRET:?TS_OAUTH_SECRET is not set}")" \
    --data-urlencode grant_type=client_credentials)"
  [ "$code" = 200 ] || { log "Tailscale refused the OAuth client ($code)"; return 1; }
  (umask 077 && jq -r '"Authorization: Bearer " + .access_token' "$work/body" >"$work/ts-auth")
  printf '%s' "$work/ts-auth"
}

list() {
  local servers ssh_keys devices='[]' token code
  servers="$(hcloud_list servers)"
  ssh_keys="$(hcloud_list ssh_keys)"
  if [ -n "${TS_OAUTH_CLIENT_ID:-}" ] && [ -n "${TS_OAUTH_SECRET:-}" ]; then
    token="$(tailscale_token)"
    code="$(call GET "$tailscale_api/tailnet/-/devices" -H "@$token")"
    [ "$code" = 200 ] || { log "Tailscale answered $code to the device list"; return 1; }
    devices="$(jq '.devices' "$work/body")"
  else
    log "TS_OAUTH_CLIENT_ID / TS_OAUTH_SECRET not set: tailnet devices are not looked at"
  fi
  jq -n --argjson servers "$servers" --argjson ssh_keys "$ssh_keys" --argjson devices "$devices" \
    '{servers: $servers, ssh_keys: $ssh_keys, devices: $devices}'
}

content_type() { sed -n 's/^[Cc]ontent-[Tt]ype: *\([^;[:space:]]*\).*/\1/p' "$work/headers" | tail -n 1 | tr '[:upper:]' '[:lower:]'; }

# Proves that PROVISIONER_URL is the Provisioner backend before anything is decided: its health
# route answers 200 with the app's own document, {"status":"ok"}. Anything else (a wrong URL, a
# proxy's page, an app that is down) stops the run before it deletes anything.
prove_backend() {
  local code
  [ -n "${PROVISIONER_URL:-}" ] || usage "PROVISIONER_URL is not set (the backend's PUBLIC_BASE_URL)"
  code="$(call GET "${PROVISIONER_URL%/}/api/health" -H 'Accept: application/json')"
  if [ "$code" = 200 ] && [ "$(content_type)" = application/json ] &&
    jq -e 'type == "object" and .status == "ok"' "$work/body" >/dev/null 2>&1; then
    return 0
  fi
  log "PROVISIONER_URL ($PROVISIONER_URL) is not the Provisioner backend, or it is not healthy: GET /api/health answered $code $(content_type): $(head -c 200 "$work/body" 2>/dev/null | tr '\n' ' ')"
  log "nothing is decided or deleted; check the repository variable PROVISIONER_URL and the backend's health"
  printf '### Reaper\n\nNothing was decided or deleted: PROVISIONER_URL did not answer GET /api/health as the Provisioner backend does (HTTP %s).\n' "$code" \
    >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  return 1
}

# The run's GitHub Actions ID token for the backend, into $work/api-auth as a curl header line
# (on no command line; masked first, so the runner never prints it). It lives minutes: enough
# for one run's reads.
run_token() {
  local audience="${REAPER_OIDC_AUDIENCE:-$PROVISIONER_URL}" answer token
  secret_file id-request-auth 'Authorization: bearer ' "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:?ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set: the job needs permissions: id-token: write}" $'\n' >/dev/null
  answer="$(curl -sS --fail --connect-timeout 10 --max-time 60 -H "@$work/id-request-auth" \
    "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$(jq -rn --arg a "$audience" '$a | @uri')" 2>"$work/curl-error")" || {
    log "no ID token from ACTIONS_ID_TOKEN_REQUEST_URL: $(head -c 300 "$work/curl-error")"
    return 1
  }
  token="$(printf '%s' "$answer" | jq -r '.value // empty' 2>/dev/null)" || token=""
  [ -n "$token" ] || { log "no ID token in the answer of ACTIONS_ID_TOKEN_REQUEST_URL"; return 1; }
  [ "${GITHUB_ACTIONS:-}" = true ] && printf '::add-mask::%s\n' "$token"
  secret_file api-auth 'Authorization: Bearer ' "$token" $'\n' >/dev/null
}

# The backend's answer for each job named by a label:
# {"<job_id>": {"http": 200, "status": "failed", "kept_until": "2026-03-01T12:30:00+00:00"}}.
# A 404 is the app's ("http": 404) only when it is its problem document naming the job; any
# other 404 is "http": "404-foreign".
ask_backend() {
  local inventory="$1" job code status kept auth=()
  if [ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ]; then
    run_token || return 1
    auth=(-H "@$work/api-auth")
  fi
  echo '{}' >"$work/answers"
  while IFS= read -r job; do
    status=null
    kept=null
    if [[ "$job" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]; then
      code="$(call GET "${PROVISIONER_URL%/}/api/jobs/$job" -H 'Accept: application/json' "${auth[@]}")"
      if [ "$code" = 200 ]; then
        status="$(jq -c '.status // null' "$work/body" 2>/dev/null || echo null)"
        kept="$(jq -c '.server.kept_until // null' "$work/body" 2>/dev/null || echo null)"
      elif [ "$code" = 404 ] && ! { [ "$(content_type)" = application/problem+json ] &&
        jq -e --arg job "$job" 'type == "object" and .status == 404
          and ((.detail // "") + " " + (.instance // "") | ascii_downcase | contains($job | ascii_downcase))' "$work/body" >/dev/null 2>&1; }; then
        log "job $job: a 404 that is not the backend's problem document ($(content_type)): $(head -c 200 "$work/body" | tr '\n' ' ')"
        code='"404-foreign"'
      fi
    else
      code=404  # not a job id the backend hands out (an image build's image-<run>): no such job
    fi
    jq --arg job "$job" --argjson http "$code" --argjson status "$status" --argjson kept "$kept" \
      '. + {($job): {http: $http, status: $status, kept_until: $kept}}' "$work/answers" >"$work/answers.new"
    mv "$work/answers.new" "$work/answers"
  done < <(jq -r '[(.servers + .ssh_keys)[] | .labels.job_id // empty] | unique[]' "$inventory")
  cat "$work/answers"
}

decide() {
  local inventory="${1:?usage: reaper.sh decide INVENTORY}" answers now
  prove_backend
  answers="$(ask_backend "$inventory")"
  now="${REAPER_NOW:-$(date +%s)}"
  jq --argjson answers "$answers" --argjson now "$now" --argjson grace "$((grace_minutes * 60))" \
    --argjson hold_grace "$((hold_grace_minutes * 60))" --argjson max "$max_deletions" --arg tag "$agent_tag" '
    def epoch: (. // "") | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | try fromdateiso8601 catch null;
    def age: (.created | epoch) as $t | if $t == null then null else $now - $t end;
    def minutes: if . == null then "?" else "\((. / 60) | floor) min" end;
    # Held for a re-run: the keep_until label (epoch seconds) and the backend (the job'"'"'s
    # server.kept_until, which it bounds by KEEP_FAILED_SERVER_MINUTES) both say so, and the
    # earlier of the two plus the hold grace has not passed (the backend ends a hold first).
    def held_until:
      ((.labels.keep_until // "") | if test("^[0-9]{1,12}$") then tonumber else null end) as $deadline
      | ($answers[.labels.job_id // ""].kept_until | epoch) as $backend
      | if $deadline == null or $backend == null then null else ([$deadline, $backend] | min) end;
    def judge:
      (.labels.job_id // "") as $job
      | ($answers[$job] // {http: 404, status: null}) as $a
      | age as $age
      | held_until as $held
      | {job_id: $job, job_status: ($a.status // (if $a.http == 404 then "unknown" else "error" end)), age: ($age | minutes), age_seconds: $age}
      + if $a.http == 200 and ($a.status == "queued" or $a.status == "provisioning" or $a.status == "cancelling") then {action: "keep", reason: "its job is in flight"}
        elif $a.http == 200 and $a.status == "running" then {action: "keep", reason: "its job is running"}
        elif $a.http == 200 and $a.status == "failed" and $held != null and $held + $hold_grace > $now then {action: "keep", reason: "held for a re-run from the failed step until \($held | todate) (deleted \($hold_grace / 60 | floor) min after)"}
        elif $a.http == 200 and $a.status == "failed" and $held != null then {action: "delete", reason: "its hold ended at \($held | todate) and the backend did not remove it"}
        elif $a.http == 200 and $a.status == "failed" then {action: "delete", reason: "its job failed (or timed out)"}
        elif $a.http == 200 and $a.status == "cancelled" then {action: "delete", reason: "its job was cancelled"}
        elif $a.http == 200 then {action: "keep", reason: "its job is \($a.status)"}
        elif $a.http == 404 and $age != null and $age >= $grace then {action: "delete", reason: "the backend does not know its job, and it is older than the grace period"}
        elif $a.http == 404 then {action: "keep", reason: "the backend does not know its job, but it is inside the grace period"}
        elif $a.http == "404-foreign" then {action: "keep", reason: "the 404 for its job is not the backend'"'"'s own (check PROVISIONER_URL)", error: true}
        else {action: "keep", reason: "the backend could not be asked (HTTP \($a.http))", error: true} end;
    # At most $max deletions that count (servers, and devices that do not go with their server),
    # oldest first; the rest are left to a person.
    def cap($budget):
      (to_entries | map(select(.value.action == "delete" and .value.counts)) | sort_by(-(.value.age_seconds // 0)) | .[$budget:] | map(.key)) as $over
      | to_entries | map(if (.key as $k | $over | any(.[]; . == $k)) then .value + {action: "keep", over_cap: true,
          reason: "over the cap of \($max) deletions per run (REAPER_MAX_DELETIONS): \(.value.reason); left to a person"} else .value end);
    ([$answers[] | select(.http == "404-foreign")] | length > 0) as $foreign
    | .servers as $servers
    | ([.servers[] | {kind: "server", id: .id, name: .name, counts: true} + judge] | cap($max)) as $server_decisions
    | ([$server_decisions[] | select(.action == "delete") | .name]) as $deleted
    | ([$servers[] | .name]) as $names
    | ([.devices[]
       | select((.tags // []) | index($tag)) | select((.hostname // "") | startswith("agent-"))
       | .hostname as $host | age as $age
       | {kind: "device", id: (.id // .nodeId), name: $host, job_id: "", job_status: "", age: ($age | minutes), age_seconds: $age}
       + if ($deleted | index($host)) then {action: "delete", reason: "its server is deleted", counts: false}
         elif ($names | index($host)) then {action: "keep", reason: "its server is kept", counts: false}
         elif $age != null and $age >= $grace then {action: "delete", reason: "no server of its name, and it is older than the grace period", counts: true}
         else {action: "keep", reason: "no server of its name, but it is inside the grace period", counts: false} end]
       | cap([$max - ($deleted | length), 0] | max)) as $device_decisions
    | ($server_decisions
       + [.ssh_keys[] | {kind: "ssh_key", id: .id, name: .name, counts: false} + judge]
       + $device_decisions)
    | map(del(.counts, .age_seconds))
    # A 404 that is not the app'"'"'s means PROVISIONER_URL does not lead to the jobs: nothing is deleted.
    | if $foreign then map(if .action == "delete" then . + {action: "keep", error: true,
        reason: "nothing is deleted this run: a 404 from PROVISIONER_URL was not the backend'"'"'s own (\(.reason))"} else . end)
      else . end
  ' "$inventory"
}

act() {
  local decisions="${1:?usage: reaper.sh act DECISIONS}" delete=false token="" status=0 kind id name code result
  [ "${REAPER_DRY_RUN:-false}" = true ] || delete=true
  : >"$work/results"
  while IFS=$'\t' read -r kind id name; do
    if [ "$delete" != true ]; then
      result="would delete (dry run)"
    else
      case "$kind" in
        server) code="$(call DELETE "$hcloud_api/servers/$id" -H "@$(hcloud_auth)")" ;;
        ssh_key) code="$(call DELETE "$hcloud_api/ssh_keys/$id" -H "@$(hcloud_auth)")" ;;
        device)
          [ -n "$token" ] || token="$(tailscale_token)" || { token=""; code=000; }
          [ -z "$token" ] || code="$(call DELETE "$tailscale_api/device/$id" -H "@$token")"
          ;;
      esac
      case "$code" in
        2?? | 404) result="deleted" ;;
        *) result="not deleted (HTTP $code)"; status=1; log "$kind $name ($id): $result: $(head -c 300 "$work/body" 2>/dev/null)" ;;
      esac
    fi
    jq -nc --arg kind "$kind" --arg id "$id" --arg result "$result" '{kind: $kind, id: $id, result: $result}' >>"$work/results"
  done < <(jq -r '.[] | select(.action == "delete") | [.kind, (.id | tostring), .name] | @tsv' "$decisions")

  jq -e 'any(.[]; .error == true)' "$decisions" >/dev/null && status=1
  if jq -e 'any(.[]; .over_cap == true)' "$decisions" >/dev/null; then
    log "more than REAPER_MAX_DELETIONS ($max_deletions) to delete: the rest is in the summary, for a person to look at"
    status=1
  fi
  jq -r --slurpfile results "$work/results" --arg mode "$([ "$delete" = true ] && echo "deleting" || echo "dry run: nothing is deleted; REAPER_DRY_RUN is true")" '
    "### Reaper (\($mode))",
    "",
    "| what | name | id | job | job status | age | decision | why |",
    "|---|---|---|---|---|---|---|---|",
    (.[] | . as $d
     | (($results | map(select(.kind == $d.kind and .id == ($d.id | tostring))) | first | .result) // "kept") as $result
     | "| \(.kind) | \(.name) | \(.id) | \(.job_id) | \(.job_status) | \(.age) | \(if .action == "delete" then $result else "kept" end) | \(.reason) |"),
    "",
    "\(map(select(.action == "delete")) | length) to delete, \(map(select(.action == "keep")) | length) kept\(
      map(select(.over_cap == true)) | length | if . > 0 then ", \(.) of them over the cap (REAPER_MAX_DELETIONS): left to a person" else "" end)."
  ' "$decisions" | tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
  return "$status"
}

case "${1:-all}" in
  list) list ;;
  decide) decide "${2:-}" ;;
  act) act "${2:-}" ;;
  all)
    list >"$work/inventory.json"
    decide "$work/inventory.json" >"$work/decisions.json"
    act "$work/decisions.json"
    ;;
  *) usage "usage: reaper.sh [list | decide INVENTORY | act DECISIONS]" ;;
esac
