#!/usr/bin/env python3
"""Reports this agent's health to the Provisioner backend (roles/agent_health).

Run by agent-health.timer every 60 s as the agent's user. Checks that the agent's service is
active, that its local health endpoint answers, and the disk and memory headroom; posts
{"status", "checks", "version"} to POST /api/agents/{agent_id}/health with the agent key as a
Bearer token. The key is read from its file (mode 0400, the agent's user's) and never printed.

When the backend cannot be reached (a network error, 5xx, 429) the next reports are skipped
for a growing while (60 s doubling up to 15 min, with jitter; a Retry-After is a floor), kept
in a small state file, so a backend outage does not meet a report from every agent each
minute. A refused key (401) waits an hour: a newer job of the agent has taken over.

Settings come from the environment (the role writes them to /etc/agent-health/reporter.env):
  AGENT_HEALTH_REPORT_URL    https://…/api/agents/{agent_id}/health
  AGENT_HEALTH_KEY_FILE      the agent key's file
  AGENT_HEALTH_SERVICE       the agent's systemd unit (agent.service)
  AGENT_HEALTH_URL           the agent's local health endpoint (http://127.0.0.1:8080/healthz)
  AGENT_HEALTH_DISK_PATH     the file system to watch (/)
  AGENT_HEALTH_MIN_FREE_PERCENT   below this free disk or available memory a check fails (10);
                                  below twice this it is degraded
  AGENT_HEALTH_STATE_FILE    where the back-off is kept ($STATE_DIRECTORY/state.json)
  AGENT_HEALTH_VERSION       the agent's version, when known

Exit status: 0 delivered, skipped while backing off, or not delivered for a reason that
passes (it is tried again later); 1 refused (400, 401, 413: a bug or a revoked key);
2 not configured.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

BASE_DELAY = 60
MAX_DELAY = 15 * 60
REFUSED_DELAY = 60 * 60


def log(message):
    print(f"agent-health: {message}", file=sys.stderr, flush=True)


def check_service(unit):
    try:
        done = subprocess.run(["systemctl", "is-active", unit], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        return {"status": "failed", "message": f"could not ask systemd about {unit}: {type(error).__name__}"}
    state = done.stdout.strip() or "unknown"
    return {"status": "ok" if state == "active" else "failed", "message": f"{unit} is {state}"}


def check_endpoint(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return {"status": "ok", "message": f"{url} answered {answer.status}"}
    except urllib.error.HTTPError as error:
        return {"status": "failed", "message": f"{url} answered {error.code}"}
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return {"status": "failed", "message": f"{url} did not answer ({str(reason)[:120]})"}


def headroom(free_percent, minimum, detail):
    status = "failed" if free_percent < minimum else "degraded" if free_percent < 2 * minimum else "ok"
    return {"status": status, "message": f"{free_percent:.0f}% {detail}"}


def check_disk(path, minimum):
    usage = shutil.disk_usage(path)
    return headroom(100.0 * usage.free / usage.total, minimum, f"free on {path}")


def check_memory(minimum):
    values = {}
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            key, _, rest = line.partition(":")
            values[key] = int(rest.split()[0])
    return headroom(100.0 * values["MemAvailable"] / values["MemTotal"], minimum, "of memory available")


def read_state(path):
    try:
        with open(path, encoding="utf-8") as state:
            value = json.load(state)
            return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def write_state(path, state):
    if not path:
        return
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(state, out)
    os.replace(temporary, path)


def back_off(state_file, state, now, retry_after=None, fixed=None):
    failures = int(state.get("failures", 0)) + 1
    delay = fixed if fixed is not None else min(MAX_DELAY, BASE_DELAY * 2 ** (failures - 1))
    if fixed is None:
        delay = delay / 2 + random.uniform(0, delay / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_DELAY))
    write_state(state_file, {"failures": failures, "next_attempt_at": now + delay})
    return delay


def main():
    url = os.environ.get("AGENT_HEALTH_REPORT_URL", "")
    key_file = os.environ.get("AGENT_HEALTH_KEY_FILE", "")
    if not url.startswith(("http://", "https://")) or not key_file:
        log("AGENT_HEALTH_REPORT_URL (an http(s) URL) and AGENT_HEALTH_KEY_FILE must be set")
        return 2
    try:
        with open(key_file, encoding="ascii") as key_in:
            key = key_in.read().strip()
    except OSError as error:
        log(f"cannot read the agent key file {key_file}: {error.strerror}")
        return 2
    if not key:
        log(f"the agent key file {key_file} is empty")
        return 2

    state_directory = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    state_file = os.environ.get("AGENT_HEALTH_STATE_FILE") or (os.path.join(state_directory, "state.json") if state_directory else "")
    state = read_state(state_file) if state_file else {}
    now = time.time()
    if float(state.get("next_attempt_at", 0)) > now:
        log(f"backing off: next report in {state['next_attempt_at'] - now:.0f}s")
        return 0

    minimum = float(os.environ.get("AGENT_HEALTH_MIN_FREE_PERCENT", "10"))
    checks = {
        "service": check_service(os.environ.get("AGENT_HEALTH_SERVICE", "agent.service")),
        "endpoint": check_endpoint(os.environ.get("AGENT_HEALTH_URL", "http://127.0.0.1:8080/healthz")),
        "disk": check_disk(os.environ.get("AGENT_HEALTH_DISK_PATH", "/"), minimum),
        "memory": check_memory(minimum),
    }
    report = {"status": "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded", "checks": checks}
    if os.environ.get("AGENT_HEALTH_VERSION"):
        report["version"] = os.environ["AGENT_HEALTH_VERSION"][:100]

    request = urllib.request.Request(
        url,
        data=json.dumps(report).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}", "User-Agent": "agent-health/1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            code = answer.status
            retry_after = None
    except urllib.error.HTTPError as error:
        code = error.code
        retry_after = error.headers.get("Retry-After")
    except (urllib.error.URLError, OSError) as error:
        delay = back_off(state_file, state, now)
        log(f"the backend did not answer ({str(getattr(error, 'reason', error))[:200]}); next report in {delay:.0f}s")
        return 0

    if 200 <= code < 300:
        if state:
            write_state(state_file, {})
        log(f"reported {report['status']} ({code})")
        return 0
    if code in (408, 425, 429) or code >= 500:
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        delay = back_off(state_file, state, now, retry_after=seconds)
        log(f"the backend answered {code}; next report in {delay:.0f}s")
        return 0
    if code == 401:
        back_off(state_file, state, now, fixed=REFUSED_DELAY)
        log("the backend refused the agent key (401): a newer job of this agent has taken over, or the key is wrong; trying again in an hour")
        return 1
    log(f"the backend refused the report ({code}); this is a bug in the report")
    return 1


if __name__ == "__main__":
    sys.exit(main())
