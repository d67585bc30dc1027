#!/usr/bin/env bash
# Converges the agent playbooks on a booted Debian 12 (systemd as PID 1, in systemd-nspawn with
# its own network namespace), the way the workflows run them, twice each:
#   full mode:     install.yml + configure.yml, then both again (the second pass changes nothing);
#   snapshot mode: on a fresh copy of the tree, install.yml + build-image.yml (which seals the
#                  machine and powers it off), then the sealed tree boots as a server made from
#                  the image: install.yml + configure-snapshot.yml, twice.
# Prints each run's PLAY RECAP and one line per check of the converged machine; fails unless
# every run has failed=0 and unreachable=0 and every second pass changed=0.
# The Debian tree is built once with debootstrap and cached, keyed by a digest of how it is made.
# The playbooks' apt reaches the Debian mirror through a socat forward into the container's
# namespace; nothing of the host's network, firewall or SSH is touched. See docs/converge.md.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

say() { printf 'converge: %s\n' "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  # Booting a container and entering its namespaces takes root.
  exec sudo --preserve-env=PATH,CONVERGE_CACHE_DIR,CONVERGE_VERBOSE bash "$0" "$@"
fi

# --- tools -------------------------------------------------------------------------------------
missing=()
command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v socat >/dev/null || missing+=(socat)
command -v ip >/dev/null || missing+=(iproute2)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v jq >/dev/null || missing+=(jq)
command -v ansible-playbook >/dev/null || missing+=(ansible)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the Debian 12 tree (cached) ---------------------------------------------------------------
# A stock bookworm with systemd, sshd and Python, what Hetzner's debian-12 image has for these
# playbooks; nothing the roles install is put in: the first run installs it from the mirror.
mirror_host=deb.debian.org
cache="${CONVERGE_CACHE_DIR:-/var/tmp/provisioner-converge}"

build_tree() {  # build_tree DIR
  local dir="$1"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,python3,openssh-server \
    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    bookworm "$dir" "http://$mirror_host/debian" >"$dir.debootstrap.log" 2>&1 ||
    { tail -n 20 "$dir.debootstrap.log" >&2; return 1; }
  # The sources of a stock image: the release, its updates and security.
  rm -f "$dir/etc/apt/sources.list"
  cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: http://$mirror_host/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://$mirror_host/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  echo agent >"$dir/etc/hostname"
  # The mirror's name leads to the forward on the container's loopback (see forward_apt).
  printf '127.0.0.1\tlocalhost agent %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$mirror_host" >"$dir/etc/hosts"
  # Each server gets its own host keys and machine id on its first boot (see prepare_boot).
  rm -f "$dir"/etc/ssh/ssh_host_*
  : >"$dir/etc/machine-id"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir/var/lib/apt/lists"/*
  rm -f "$dir.debootstrap.log"
}

digest="$({ declare -f build_tree; echo "$mirror_host"; } | sha256sum | cut -c1-16)"
tree="$cache/tree-$digest"
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9
if [ -d "$tree" ]; then
  say "Debian 12 tree $digest: cached ($tree)"
else
  say "Debian 12 tree $digest: building with debootstrap (1 to 2 minutes)"
  t0=$SECONDS
  # An older tree is made from other instructions: it goes.
  find "$cache" -mindepth 1 -maxdepth 1 -name 'tree-*' -exec rm -rf --one-file-system {} +
  build_tree "$tree.tmp"
  mv "$tree.tmp" "$tree"
  say "Debian 12 tree built in $((SECONDS - t0)) s"
fi
flock -u 9

# --- the run's machine ---------------------------------------------------------------------------
# What this machine's own network and firewall look like; compared at the end.
host_network() {
  ip -o addr show
  ip route show table all
  if command -v nft >/dev/null; then nft list ruleset; fi
  if command -v iptables-save >/dev/null; then iptables-save | grep -v '^#' | sed 's/\[[0-9:]*\]$//'; fi
  if [ -e /etc/ssh/sshd_config.d ]; then ls -l /etc/ssh/sshd_config.d; fi
}
host_before="$(host_network 2>&1 | sha256sum)"

work="$(mktemp -d /var/tmp/converge.XXXXXX)"
# Every run's output and the machine's console stay for inspection (CI uploads them).
logs="$PWD/artifacts/converge"
rm -rf "$logs"
mkdir -p "$logs"
mkdir -p "$work/runner"
nspawn_pid="" init_pid="" forward_pids=() probe_pid=""

stop_machine() {
  local pid
  for pid in "${forward_pids[@]}" $probe_pid; do
    kill "$pid" 2>/dev/null || true
  done
  forward_pids=() probe_pid=""
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    # SIGRTMIN+4: systemd powers the container off.
    [ -z "$init_pid" ] || kill -s SIGRTMIN+4 "$init_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$nspawn_pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$nspawn_pid" 2>/dev/null; then
      [ -z "$init_pid" ] || kill -9 "$init_pid" 2>/dev/null || true
      kill -9 "$nspawn_pid" 2>/dev/null || true
    fi
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  nspawn_pid="" init_pid=""
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_machine
  rm -rf --one-file-system "$work"
  # Under sudo, the logs go back to whoever asked for them.
  [ -z "${SUDO_UID:-}" ] || chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$logs" 2>/dev/null || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# What cloud-init does with Hetzner's datasource on a new server's first boot: fresh host keys,
# and the run's key (create-server.yml registers it with the server) for root.
prepare_boot() {  # prepare_boot DIR PUBKEY
  local dir="$1"
  rm -f "$dir"/etc/ssh/ssh_host_*
  chroot "$dir" ssh-keygen -A >/dev/null
  install -d -m 0700 "$dir/root/.ssh"
  install -m 0600 "$2" "$dir/root/.ssh/authorized_keys"
}

boot() {  # boot DIR NAME
  local dir="$1" name="$2" state="" pid
  mkdir -p /run/systemd/nspawn
  systemd-nspawn -D "$dir" -M "$name" -b --register=no --keep-unit --private-network \
    --console=read-only >"$logs/$name.console.log" 2>&1 &
  nspawn_pid=$!
  # The container's init: nspawn's child that is PID 1 in its own namespace and runs systemd.
  for _ in $(seq 1 150); do
    for pid in $(pgrep -P "$nspawn_pid" || true); do
      if grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$pid/status" 2>/dev/null &&
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = systemd ]; then
        init_pid="$pid"
      fi
    done
    [ -z "$init_pid" ] || break
    sleep 0.2
  done
  [ -n "$init_pid" ] || { cat "$logs/$name.console.log" >&2; die "the container did not start"; }
  # Everything the roles do must land in the container: its network is not the host's.
  [ "$(readlink "/proc/$init_pid/ns/net")" != "$(readlink /proc/self/ns/net)" ] ||
    die "the container shares the host's network namespace"
  # systemctl answers once systemd has its private socket; --wait then waits for the boot's end.
  for _ in $(seq 1 120); do
    state="$(timeout 120 nsenter -t "$init_pid" -m -u -i -n -p -- systemctl is-system-running --wait 2>/dev/null || true)"
    case "$state" in "" | offline | unknown) ;; *) break ;; esac
    sleep 0.5
  done
  if [ "$state" != running ]; then
    nsenter -t "$init_pid" -m -u -i -n -p -- systemctl --failed --no-pager >&2 || true
    die "the container's systemd is '$state', not running"
  fi
  say "booted $name (systemd $state, init pid $init_pid, own network namespace)"
  forward_apt
}

# apt in the container reaches the mirror through its loopback: a socat on 127.0.0.1:80 in the
# container's namespace, bridged over a Unix socket to a socat on this machine that connects to
# the mirror. The mirror's name points at 127.0.0.1 in the tree's /etc/hosts.
forward_apt() {
  local sock="$work/apt-$init_pid.sock"
  socat "UNIX-LISTEN:$sock,fork,mode=0600" "TCP:$mirror_host:80" 2>>"$logs/forward.log" &
  forward_pids+=("$!")
  for _ in $(seq 1 50); do [ -S "$sock" ] && break; sleep 0.1; done
  nsenter -t "$init_pid" -n -- socat TCP-LISTEN:80,bind=127.0.0.1,reuseaddr,fork "UNIX-CONNECT:$sock" \
    2>>"$logs/forward.log" &
  forward_pids+=("$!")
}

# --- the playbooks -------------------------------------------------------------------------------
# The workflow's environment with test values; the real inventory (inventory/agent.yml) reaches
# the machine through the ProxyCommand below instead of the tailnet.
export RUNNER_TEMP="$work/runner" REGION=eu-central GITHUB_RUN_ID=converge GITHUB_RUN_ATTEMPT=1
export AGENT_HOST=converge-agent
export AGENT_ENV=$'# set by .ci/converge-ansible.sh\nCONVERGE_EXTRA=yes'
export ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp"
ssh-keygen -q -t ed25519 -N "" -C converge-operator -f "$work/operator" >/dev/null
ADMIN_SSH_KEYS="$(cat "$work/operator.pub")"
export ADMIN_SSH_KEYS
# The claim's agent key, where callback.sh leaves it (0600), and a backend address that nobody
# answers: the health reporter must back off quietly (no failed unit) while it is unreachable.
export AGENT_KEY_FILE="$work/agent-key" CALLBACK_URL=http://127.0.0.1:9/api/webhooks/github
(umask 077 && printf 'ak1_%s_%s' "$(openssl rand -hex 16)" "$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')" >"$AGENT_KEY_FILE")
# The one variable the workflows never set: no cloud-init datasource here (docs/converge.md).
skips=(-e provision_cloud_init=false)

new_run() {  # new_run JOB_ID AGENT_ID: the run's key, where create-server.yml makes it
  export JOB_ID="$1" AGENT_ID="$2"
  run_dir="$RUNNER_TEMP/provision-$JOB_ID"
  install -d -m 0700 "$run_dir"
  ssh-keygen -q -t ed25519 -N "" -C "provision-$JOB_ID" -f "$run_dir/id_ed25519" >/dev/null
}

proxy_args() { printf -- "-o 'ProxyCommand=nsenter -t %s -n socat - TCP:127.0.0.1:22'" "$init_pid"; }

recaps=()
play() {  # play LABEL PASS PLAYBOOK
  local label="$1" pass="$2" playbook="$3" log status=0 recap ok=true t0=$SECONDS
  log="$logs/${label// /_}.$pass.$playbook.log"
  ANSIBLE_SSH_EXTRA_ARGS="$(proxy_args)" \
    bash .github/scripts/run-playbook.sh "$playbook" "${skips[@]}" >"$log" 2>&1 || status=$?
  [ "${CONVERGE_VERBOSE:-0}" = 1 ] && cat "$log"
  say "$label, pass $pass: $playbook (exit $status, $((SECONDS - t0)) s)"
  recap="$(sed -n '/^PLAY RECAP/,$p' "$log" | grep -E '^(PLAY RECAP|agent +:)' || true)"
  if [ -z "$recap" ]; then
    tail -n 40 "$log" >&2
    die "$playbook printed no PLAY RECAP"
  fi
  printf '%s\n' "$recap"
  recaps+=("$label, pass $pass, $playbook: $(grep -E '^agent' <<<"$recap" | tr -s ' ')")
  grep -qE ' unreachable=0 +failed=0 ' <<<"$recap" || ok=false
  [ "$status" -eq 0 ] || ok=false
  if [ "$pass" = 2 ] && ! grep -qE ' changed=0 ' <<<"$recap"; then
    say "the second pass changed something:"
    grep -E '^changed: ' -B 2 "$log" | grep -E '^(TASK|changed)' >&2 || true
    ok=false
  fi
  if [ "$ok" != true ]; then
    grep -E '^(fatal|failed): |^ERROR! ' -B 2 "$log" >&2 || true
    die "$label, pass $pass: $playbook did not converge (the whole log: artifacts/converge/$(basename "$log"))"
  fi
}

# --- checks on the converged machine -------------------------------------------------------------
failures=0
on_agent() {
  ssh -q -i "$run_dir/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=accept-new \
    -o UserKnownHostsFile="$run_dir/known_hosts" -o "ProxyCommand=nsenter -t $init_pid -n socat - TCP:127.0.0.1:22" \
    "root@$AGENT_HOST" -- "$@"
}
check() {  # check DESCRIPTION COMMAND...: one line, ok or FAIL
  local what="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    say "ok $what"
  else
    say "FAIL $what"
    [ -z "$out" ] || printf '    %s\n' "${out//$'\n'/$'\n'    }" >&2
    failures=$((failures + 1))
  fi
}
expect() {  # expect WANTED COMMAND...: the command's output is WANTED
  local want="$1" got
  shift
  got="$("$@" 2>&1)" || true
  got="${got//$'\r'/}"
  [ "$got" = "$want" ] || { printf 'wanted: %s\ngot:    %s\n' "$want" "$got"; return 1; }
}

# A second network namespace, made here and thrown away with the machine, linked to the machine
# by veth pairs: one whose machine end is named tailscale0 (the tailnet's interface), one named
# eth9 (any other). SSH from it shows what the firewall lets in on each.
probe_links() {
  local name net
  unshare --net sleep 900 </dev/null >/dev/null 2>&1 &
  probe_pid=$!
  sleep 0.2
  for name in tailscale0:10.250.0 eth9:10.250.1; do
    net="${name#*:}" name="${name%%:*}"
    nsenter -t "$init_pid" -n ip link add "$name" type veth peer name "p-$name" netns "/proc/$probe_pid/ns/net"
    nsenter -t "$init_pid" -n ip addr add "$net.1/30" dev "$name"
    nsenter -t "$init_pid" -n ip link set "$name" up
    nsenter -t "$probe_pid" -n ip addr add "$net.2/30" dev "p-$name"
    nsenter -t "$probe_pid" -n ip link set "p-$name" up
  done
  sleep 1
}
probe_ssh() {  # probe_ssh ADDRESS: the server's banner when the connection is let through
  timeout 6 nsenter -t "$probe_pid" -n socat -T 3 - "TCP:$1:22,connect-timeout=3" </dev/null 2>/dev/null | head -c 7
}

checks() {  # checks CONFIGURE_LOG
  local log="$1"
  probe_links
  check "the agent's service is active and enabled" \
    expect $'active\nenabled' on_agent 'systemctl is-active agent.service; systemctl is-enabled agent.service'
  # shellcheck disable=SC2016 # expanded on the machine
  check "the agent runs as its own user" \
    expect agent on_agent 'ps -o user= -p "$(systemctl show -p MainPID --value agent.service)"'
  check "the agent's health endpoint answers 200 on 127.0.0.1:8080/healthz" \
    on_agent 'curl -fsS http://127.0.0.1:8080/healthz | grep -q "\"status\": \"ok\""'
  check "the agent's environment holds its id and AGENT_ENV" \
    on_agent "grep -qx 'AGENT_ID=$AGENT_ID' /etc/agent/agent.env && grep -qx CONVERGE_EXTRA=yes /etc/agent/agent.env"
  check "the health role's check passed (\"The agent is up\")" grep -q '"msg": "The agent is up' "$log"
  check "sshd -t accepts the hardened configuration" on_agent /usr/sbin/sshd -t
  check "sshd's effective settings: keys only, root without password" \
    expect $'authenticationmethods publickey\nkbdinteractiveauthentication no\npasswordauthentication no\npermitrootlogin without-password' \
    on_agent "/usr/sbin/sshd -T | grep -E '^(passwordauthentication|kbdinteractiveauthentication|permitrootlogin|authenticationmethods) ' | sort"
  # With password methods only, the client can but list what the server offers.
  check "password login is refused (the server offers publickey only)" \
    expect "root@$AGENT_HOST: Permission denied (publickey)." \
    ssh -o BatchMode=yes -o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o "ProxyCommand=nsenter -t $init_pid -n socat - TCP:127.0.0.1:22" "root@$AGENT_HOST" true
  check "the operator's key (ADMIN_SSH_KEYS) logs in as root" \
    ssh -q -i "$work/operator" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o "ProxyCommand=nsenter -t $init_pid -n socat - TCP:127.0.0.1:22" "root@$AGENT_HOST" true
  check "the firewall is on: incoming denied, outgoing allowed" \
    on_agent "ufw status verbose | grep -qx 'Status: active' && ufw status verbose | grep -qx 'Default: deny (incoming), allow (outgoing), disabled (routed)'"
  check "the firewall's rules: 22/tcp on tailscale0 and 41641/udp, nothing else" \
    expect $'22/tcp on tailscale0 ALLOW Anywhere # SSH over the tailnet\n41641/udp ALLOW Anywhere # Tailscale\n22/tcp (v6) on tailscale0 ALLOW Anywhere (v6) # SSH over the tailnet\n41641/udp (v6) ALLOW Anywhere (v6) # Tailscale' \
    on_agent "ufw status | sed -n '/^--/,\$p' | tail -n +2 | tr -s ' '"
  check "the firewall lets loopback in (SSH to 127.0.0.1 answers)" \
    expect SSH-2.0 on_agent 'exec 3<>/dev/tcp/127.0.0.1/22; head -c 7 <&3'
  check "the firewall lets SSH in on the tailnet interface (a veth named tailscale0)" \
    expect SSH-2.0 probe_ssh 10.250.0.1
  check "the firewall refuses SSH on any other interface (a veth named eth9)" \
    expect "" probe_ssh 10.250.1.1
  check "unattended upgrades are configured (APT::Periodic) and their timers on" \
    expect $'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\nenabled\nenabled\nactive' \
    on_agent "apt-config dump | grep -E '^APT::Periodic::(Update-Package-Lists|Unattended-Upgrade) '; systemctl is-enabled apt-daily.timer apt-daily-upgrade.timer; systemctl is-active unattended-upgrades.service"
  # Owner, group and mode of what the roles install, as the roles set them.
  check "the agent's files have the roles' owners and modes" \
    expect $'/opt/agent root:root 755\n/opt/agent/bin root:root 755\n/opt/agent/bin/agent root:root 755\n/etc/agent root:agent 750\n/etc/agent/agent.env root:root 600\n/var/lib/agent agent:agent 750\n/etc/systemd/system/agent.service root:root 644\n/etc/ssh/sshd_config.d/10-provisioner.conf root:root 644\n/etc/apt/apt.conf.d/20auto-upgrades root:root 644' \
    on_agent 'stat -c "%n %U:%G %a" /opt/agent /opt/agent/bin /opt/agent/bin/agent /etc/agent /etc/agent/agent.env /var/lib/agent /etc/systemd/system/agent.service /etc/ssh/sshd_config.d/10-provisioner.conf /etc/apt/apt.conf.d/20auto-upgrades'
  check "the agent's user has no login shell" expect /usr/sbin/nologin on_agent 'getent passwd agent | cut -d: -f7'
  check "the agent key is the agent's user's only, in a directory only it and root enter" \
    expect $'/etc/agent-health root:agent 750\n/etc/agent-health/agent-key agent:agent 400' \
    on_agent 'stat -c "%n %U:%G %a" /etc/agent-health /etc/agent-health/agent-key'
  check "the agent key on the server is the claim's" on_agent "test \"\$(cat /etc/agent-health/agent-key)\" = '$(cat "$AGENT_KEY_FILE")'"
  check "the health reporter's timer is active and enabled" \
    expect $'active\nenabled' on_agent 'systemctl is-active agent-health.timer; systemctl is-enabled agent-health.timer'
  # shellcheck disable=SC2016 # expanded on the machine
  check "the health reporter ran as the agent's user and backed off from the unreachable backend" \
    on_agent 'systemctl start agent-health.service; journalctl -u agent-health.service --no-pager | grep -q "next report in" && test "$(stat -c %U /var/lib/agent-health)" = agent'
  # Names, not a count: a failure says which unit.
  check "no unit has failed" expect "" on_agent "systemctl list-units --state=failed --no-legend --plain | awk '{print \$1}'"
}

# --- full mode -----------------------------------------------------------------------------------
# Full mode runs the role's stand-in agent; the server made from the image gets a release
# (AGENT_RELEASE_URL, AGENT_RELEASE_SHA256; the image build has none, as in build-agent-image.yml):
# a .tar.gz holding bin/agent, here the stand-in marked as a release, served over HTTP on the
# machine's loopback (a Python web server on this machine, inside the container's namespace).
release="$work/release"
mkdir -p "$release/tree/bin"
sed 's/"stand_in": True/"stand_in": False, "release": "converge"/' ansible/roles/agent_runtime/files/agent-standin.py \
  >"$release/tree/bin/agent"
chmod 0755 "$release/tree/bin/agent"
tar -C "$release/tree" --owner=0 --group=0 -czf "$release/agent-converge.tar.gz" bin
serve_release() {
  nsenter -t "$init_pid" -n -- python3 -m http.server 8099 --bind 127.0.0.1 --directory "$release" \
    >>"$logs/release-server.log" 2>&1 &
  forward_pids+=("$!")
}

say "full mode: a server from the stock image"
copy="$work/full"
cp -a "$tree" "$copy"
new_run converge-full agent-converge
prepare_boot "$copy" "$run_dir/id_ed25519.pub"
boot "$copy" converge-full
export PROVISION_MODE=full IMAGE_BUILD=false
# At a new server's first boot, unattended-upgrades (or cloud-init) may hold apt's locks for
# minutes: here a process holds dpkg's locks (fcntl, as apt takes them) for 90 s while the
# first install.yml runs, longer than Ansible's default 60 s wait. The play must wait, not fail.
hold_apt_lock() {
  on_agent "systemd-run --quiet --unit=converge-apt-lock -p RemainAfterExit=yes python3 -c '
import fcntl, time
locks = [open(p, \"a\") for p in (\"/var/lib/dpkg/lock-frontend\", \"/var/lib/dpkg/lock\")]
for f in locks:
    fcntl.lockf(f, fcntl.LOCK_EX)
print(\"holding the dpkg locks\", flush=True)
time.sleep(90)
'" && sleep 2 &&
    on_agent 'journalctl -u converge-apt-lock --no-pager | grep -q "holding the dpkg locks"'
}
hold_apt_lock || die "could not take the dpkg locks on the machine"
say "a process on the machine holds the dpkg locks for 90 s"
for pass in 1 2; do
  play "full mode" "$pass" install.yml
  play "full mode" "$pass" configure.yml
done
check "the first install.yml waited for the dpkg locks (their holder ran its 90 s and exited 0)" \
  expect $'exited\n0' on_agent 'systemctl show -p SubState --value converge-apt-lock.service; systemctl show -p ExecMainStatus --value converge-apt-lock.service'
checks "$logs/full_mode.2.configure.yml.log"
check "the agent that runs is the role's stand-in (no AGENT_RELEASE_URL)" \
  on_agent 'curl -fsS http://127.0.0.1:8080/healthz | grep -q "\"stand_in\": true"'
# A crash loop never ends the restarts: 20 crashes in a row (SIGKILL as soon as it is back), and
# systemd still starts it again (a start limit of 10 in 5 minutes gave up after the 10th).
# shellcheck disable=SC2016 # expanded on the machine
check "the agent is restarted after 20 crashes in a row" \
  on_agent 'for i in $(seq 1 20); do
      pid="$(systemctl show -p MainPID --value agent.service)"
      [ "$pid" -gt 0 ] || { echo "crash $i: the agent is not running ($(systemctl is-active agent.service))"; exit 1; }
      kill -KILL "$pid"
      for _ in $(seq 1 150); do
        now="$(systemctl show -p MainPID --value agent.service)"
        [ "$now" -gt 0 ] && [ "$now" != "$pid" ] && break
        sleep 0.2
      done
      [ "$now" -gt 0 ] && [ "$now" != "$pid" ] || { echo "crash $i: not restarted within 30 s ($(systemctl is-active agent.service))"; exit 1; }
    done
    systemctl is-active --quiet agent.service && test "$(systemctl show -p NRestarts --value agent.service)" -ge 20'
stop_machine
rm -rf --one-file-system "$copy"

# --- snapshot mode -------------------------------------------------------------------------------
say "snapshot mode: the image build on a fresh copy of the tree"
copy="$work/image"
cp -a "$tree" "$copy"
new_run converge-image image-builder
prepare_boot "$copy" "$run_dir/id_ed25519.pub"
boot "$copy" converge-image
export PROVISION_MODE=full IMAGE_BUILD=true
play "image build" 1 install.yml
play "image build" 1 build-image.yml
# build-image.yml ends by powering the builder off (snapshot-server.yml waits for that).
for _ in $(seq 1 120); do
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 1
done
if kill -0 "$nspawn_pid" 2>/dev/null; then
  die "the image builder did not power off"
fi
wait "$nspawn_pid" 2>/dev/null || true
nspawn_pid="" init_pid=""
stop_machine
say "ok the image builder powered itself off"
check "the sealed image holds no SSH key for root" test ! -e "$copy/root/.ssh/authorized_keys"
check "the sealed image has an empty machine id" test ! -s "$copy/etc/machine-id"
check "the sealed image has no package cache" bash -c "! ls '$copy'/var/cache/apt/archives/*.deb >/dev/null 2>&1"
check "the sealed image has the agent installed but not configured" \
  bash -c "test -x '$copy/opt/agent/bin/agent' && test -f '$copy/etc/systemd/system/agent.service' && test ! -e '$copy/etc/agent/agent.env'"
check "the sealed image carries the health reporter, without a key and not enabled" \
  bash -c "test -x '$copy/usr/local/lib/agent-health/agent-health-report.py' && test -f '$copy/etc/systemd/system/agent-health.timer' && test ! -e '$copy/etc/agent-health/agent-key' && test ! -e '$copy/etc/systemd/system/timers.target.wants/agent-health.timer'"

say "snapshot mode: a server from the image"
new_run converge-snapshot agent-converge
prepare_boot "$copy" "$run_dir/id_ed25519.pub"
boot "$copy" converge-snapshot
serve_release
export PROVISION_MODE=snapshot-hybrid IMAGE_BUILD=false
export AGENT_RELEASE_URL=http://127.0.0.1:8099/agent-converge.tar.gz
AGENT_RELEASE_SHA256="$(sha256sum "$release/agent-converge.tar.gz" | cut -d' ' -f1)"
export AGENT_RELEASE_SHA256
for pass in 1 2; do
  play "snapshot mode" "$pass" install.yml
  play "snapshot mode" "$pass" configure-snapshot.yml
done
checks "$logs/snapshot_mode.2.configure-snapshot.yml.log"
check "the agent that runs is the release (AGENT_RELEASE_URL), not the image's stand-in" \
  on_agent 'curl -fsS http://127.0.0.1:8080/healthz | grep -q "\"release\": \"converge\""'
stop_machine

check "this machine's own network, firewall and sshd configuration are as they were" \
  test "$(host_network 2>&1 | sha256sum)" = "$host_before"

say "recaps:"
printf '  %s\n' "${recaps[@]}"
[ "$failures" -eq 0 ] || die "$failures check(s) failed"
say "all runs converged and every check passed in $((SECONDS - started)) s"
