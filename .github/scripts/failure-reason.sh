#!/usr/bin/env bash
# Prints why a playbook failed, from its output (ANSIBLE_NOCOLOR, the default callback), as one
# line a person can act on: run-playbook.sh hands it to the failure callback, which the status
# page shows.
#
#   failure-reason.sh LOG
#
# The failure that ended the play is the last task that failed and was not ignored (a failure
# followed by "...ignoring" is not one). Of that task's failure lines, the first whose output is
# not hidden gives the reason: its "msg" (a rescue's or a fail/assert task's own message), plus
# the first line of stderr when that adds something, and the task's name. The tasks that handle
# secrets are no_log, and Ansible prints only a "censored" notice for them; the plays follow
# each of those with a rescue or a fail task that says what went wrong without the secret, so a
# hidden failure is the reason only when nothing followed it, and then it names the task. With
# no failed task, the first "ERROR!" line (a play that could not start) is the reason.
# Exit status: 0 a reason was printed; 1 the log holds no failure.
set -euo pipefail

log="${1:?usage: failure-reason.sh LOG}"
max_chars=1500

# Lines "TASK<TAB>LINE" of the terminal task's failures, in order; or "<TAB>ERROR LINE".
failures="$(awk '
  /^TASK \[/ {
    tasks++
    name = $0
    sub(/^TASK \[/, "", name)
    sub(/\] \**[[:space:]]*$/, "", name)
    task[tasks] = name
    next
  }
  /^(fatal|failed): \[/ {
    n++
    line[n] = $0
    of[n] = tasks
    next
  }
  /^\.\.\.ignoring[[:space:]]*$/ { ignored[tasks] = 1; next }
  /^(ERROR! |\[ERROR\]: )/ { if (error == "") error = $0; next }
  END {
    last = 0
    for (i = n; i >= 1; i--) if (!(of[i] in ignored)) { last = of[i]; break }
    if (last == 0) {
      if (error != "") print "\t" error
      exit
    }
    for (i = 1; i <= n; i++) if (of[i] == last) print task[last] "\t" line[i]
  }
' "$log")"

[ -n "$failures" ] || exit 1

task="$(head -n 1 <<<"$failures" | cut -f1)"
visible="$(grep -v -F '"censored": "the output has been hidden' <<<"$failures" | head -n 1 || true)"

if [ -z "$visible" ]; then
  printf "the task '%s' failed, and Ansible hides its output because the task handles secrets (no_log); the run's log shows the tasks before it\n" "$task" | cut -c1-"$max_chars"
  exit 0
fi

line="$(cut -f2- <<<"$visible")"
# fatal: [host]: FAILED! => {...}, failed: [host] (item=...) => {...}: the result is JSON.
result="${line#* => }"
reason=""
if [ "$result" != "$line" ]; then
  reason="$(jq -r '
    def first_line: tostring | split("\n") | map(select(test("\\S"))) | first // "";
    ((.msg // "") | first_line) as $msg
    | ((.stderr // .module_stderr // "") | first_line) as $err
    | if $msg == "" then $err
      elif $err == "" or ($msg | contains($err)) then $msg
      else "\($msg): \($err)" end
  ' <<<"$result" 2>/dev/null || true)"
fi
[ -n "$reason" ] || reason="$line"
if [ -n "$task" ]; then
  reason="$reason (task: $task)"
fi
printf '%s\n' "$reason" | head -n 1 | cut -c1-"$max_chars"
