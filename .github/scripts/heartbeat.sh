#!/usr/bin/env bash
# Starts or stops the run's heartbeat: `callback.sh heartbeat` every HEARTBEAT_INTERVAL_SECONDS
# (default 60), in the background, from the claim until the run reports its outcome. The
# backend fails a job that stays silent for 15 minutes; a heartbeat is best effort and never
# fails the run.
#
#   heartbeat.sh start | stop
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
state="${RUNNER_TEMP:-/tmp}/provision-heartbeat-${JOB_ID:?JOB_ID is not set}"

case "${1:-}" in
  start)
    interval="${HEARTBEAT_INTERVAL_SECONDS:-60}"
    # Detached from the step's output, which GitHub closes when the step ends; the log is
    # printed by `stop`. `sleep & wait` lets TERM end the loop at once.
    (
      trap 'exit 0' TERM
      while true; do
        sleep "$interval" &
        wait $!
        bash "$here/callback.sh" heartbeat || true
      done
    ) </dev/null >>"$state.log" 2>&1 &
    echo $! >"$state.pid"
    echo "heartbeat: every ${interval}s (pid $(cat "$state.pid"))"
    ;;
  stop)
    if [ -f "$state.pid" ]; then
      kill "$(cat "$state.pid")" 2>/dev/null || true
      rm -f "$state.pid"
    fi
    [ -f "$state.log" ] && cat "$state.log"
    echo "heartbeat: stopped"
    ;;
  *)
    echo "usage: heartbeat.sh start|stop" >&2
    exit 2
    ;;
esac
