#!/usr/bin/env bash
# The SSH key a re-run from the failed step uses to reach a kept server (docs/workflow.md,
# "Re-run from the failed step"). A run's own key leaves with its runner, so the failing run
# authorises this one on the server before it ends, and the re-run, on another runner, derives
# the same key, logs in with it, installs its own run key and removes this one.
#
#   handover-key.sh SERVER_ID FILE     writes FILE (OpenSSH private key, 0600) and FILE.pub
#
# The key is an Ed25519 key whose seed is HMAC-SHA256(HANDOVER_KEY_SECRET, "provisioner-handover-ssh-v1:"
# SERVER_ID): one per server, reproducible by a run of this repository only. HANDOVER_KEY_SECRET
# is a repository secret of its own (not the callback secret: whoever may sign callbacks, the
# backend included, must not also hold root on held servers). SSH reaches the server only over
# the tailnet, and the key is authorised only while the server is held. Without
# HANDOVER_KEY_SECRET there is no key: exit 4, and the server is not kept.
# Needs python3 with the cryptography package (ansible-core brings it).
set -euo pipefail

server_id="${1:?usage: handover-key.sh SERVER_ID FILE}"
file="${2:?usage: handover-key.sh SERVER_ID FILE}"
[[ "$server_id" =~ ^[0-9]{1,20}$ ]] || { echo "handover-key: server id '$server_id' is not a Hetzner server id" >&2; exit 2; }
[ -n "${HANDOVER_KEY_SECRET:-}" ] || { echo "handover-key: HANDOVER_KEY_SECRET is not set: no re-run key (the server will not be kept)" >&2; exit 4; }

umask 077
HANDOVER_SERVER_ID="$server_id" HANDOVER_FILE="$file" python3 - <<'PY'
import hashlib, hmac, os
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

seed = hmac.new(os.environ["HANDOVER_KEY_SECRET"].encode(), ("provisioner-handover-ssh-v1:" + os.environ["HANDOVER_SERVER_ID"]).encode(), hashlib.sha256).digest()
key = Ed25519PrivateKey.from_private_bytes(seed)
path = os.environ["HANDOVER_FILE"]
with open(path, "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()))
os.chmod(path, 0o600)
with open(path + ".pub", "wb") as f:
    f.write(key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH) + b" provisioner-handover\n")
PY
