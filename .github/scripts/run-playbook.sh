#!/usr/bin/env bash
# Runs one playbook of ansible/ for a workflow step, and hands its results to the next steps:
#   - success: the key/value JSON the playbook wrote to $PLAYBOOK_OUTPUTS becomes step outputs;
#   - failure: the reason a person can act on (failure-reason.sh: the message of the failure
#     that ended the play, never Ansible's "output hidden" notice when the play said more)
#     becomes the step output `error`, which the failure callback carries to the status page.
#     Tasks that touch secrets are no_log, so the reason never holds one.
#
#   run-playbook.sh PLAYBOOK [ansible-playbook arguments ...]
set -euo pipefail

playbook="${1:?usage: run-playbook.sh PLAYBOOK [ARGS ...]}"
shift
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../ansible"
export ANSIBLE_CONFIG="$PWD/ansible.cfg"

work="${RUNNER_TEMP:-$(mktemp -d)}"
name="$(basename "$playbook" .yml)"
log="$work/$name.log"
export PLAYBOOK_OUTPUTS="$work/$name.outputs.json"
rm -f "$PLAYBOOK_OUTPUTS"
out="${GITHUB_OUTPUT:-/dev/null}"

status=0
ANSIBLE_NOCOLOR=1 ansible-playbook "playbooks/$playbook" "$@" 2>&1 | tee "$log" || status=$?

if [ "$status" -ne 0 ]; then
  error="$(bash "$here/failure-reason.sh" "$log" || true)"
  [ -n "$error" ] || error="ansible-playbook $playbook exited with $status"
  delimiter="EOF_$(openssl rand -hex 8)"
  printf 'error<<%s\n%s: %s\n%s\n' "$delimiter" "$name" "$error" "$delimiter" >>"$out"
  exit "$status"
fi

if [ -f "$PLAYBOOK_OUTPUTS" ]; then
  # One line per output: ids, addresses and words, never text that could spill into another.
  jq -r 'to_entries[] | select(.value | tostring | test("^[^\\n]*$")) | "\(.key)=\(.value)"' "$PLAYBOOK_OUTPUTS" | tee -a "$out"
fi
