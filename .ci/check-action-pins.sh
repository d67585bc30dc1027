#!/usr/bin/env bash
# Offline check of how the workflows pin their actions (see docs/workflow-pins.md):
#   - every `uses:` of a remote action or reusable workflow names a full 40-hex commit SHA and
#     carries the release it is, as a `# vX.Y.Z` comment on the same line;
#   - one action is pinned to one SHA and one version across every workflow and local action;
#   - no `node-version` (setup-node) is below 22: older Node releases are past their end of life.
# Local actions (./...) and docker:// images are not pins of a repository and are skipped.
# .ci/verify-action-pins.sh checks, with network, that each SHA is the commit its tag names.
#
#   check-action-pins.sh [FILE ...]   (default: .github/workflows/*.yml .github/actions/*/action.yml)
#
# Exit status: 0 all pins are well-formed, 1 a finding (each printed as FILE:LINE: what).
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

readonly MIN_NODE=22

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=(.github/workflows/*.yml .github/workflows/*.yaml .github/actions/*/action.yml .github/actions/*/action.yaml)
fi

findings=0
finding() {
  printf '%s\n' "$*" >&2
  findings=$((findings + 1))
}

declare -A pin_of=() first_at=()
uses_re='^[[:space:]]*(-[[:space:]]+)?uses:[[:space:]]*["'\'']?([^"'\''[:space:]#]+)["'\'']?[[:space:]]*(#.*)?$'
node_re='^[[:space:]]*(-[[:space:]]+)?node-version:[[:space:]]*(.*)$'
version_re='^#[[:space:]]*(v[0-9]+\.[0-9]+\.[0-9]+)[[:space:]]*$'

for file in "${files[@]}"; do
  n=0
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    where="$file:$n"
    if [[ "$line" =~ $uses_re ]]; then
      ref="${BASH_REMATCH[2]}"
      comment="${BASH_REMATCH[3]:-}"
      case "$ref" in
        ./* | docker://*) continue ;;
      esac
      action="${ref%@*}"
      sha="${ref##*@}"
      if [[ "$ref" != *@* ]] || ! [[ "$sha" =~ ^[0-9a-f]{40}$ ]]; then
        finding "$where: $ref is not pinned by a full 40-hex commit SHA"
        continue
      fi
      if ! [[ "$comment" =~ $version_re ]]; then
        finding "$where: $action@$sha needs its release as a '# vX.Y.Z' comment on the same line"
        continue
      fi
      pin="$sha # ${BASH_REMATCH[1]}"
      # GitHub's owner and repository names are case-insensitive: Azure/x and azure/x are one action.
      key="${action,,}"
      if [ -z "${pin_of[$key]:-}" ]; then
        pin_of[$key]="$pin"
        first_at[$key]="$where"
      elif [ "${pin_of[$key]}" != "$pin" ]; then
        finding "$where: $action@$pin, but ${first_at[$key]} pins it @${pin_of[$key]}: use one version of an action everywhere"
      fi
    elif [[ "$line" =~ $node_re ]]; then
      value="${BASH_REMATCH[2]%%#*}"
      # 24, "24", 24.x, 22.14.0, [22, 24]: every major named must be maintained. lts/*, node and
      # ${{ matrix.node }} name no fixed release and pass.
      value="${value//[\[\]\"\' ]/}"
      IFS=',' read -r -a versions <<<"$value"
      for version in "${versions[@]}"; do
        major="${version#v}"
        major="${major%%.*}"
        if [[ "$major" =~ ^[0-9]+$ ]] && [ "$major" -lt "$MIN_NODE" ]; then
          finding "$where: node-version $version is past its end of life: use $MIN_NODE or later (an LTS release)"
        fi
      done
    fi
  done <"$file"
done

if [ "$findings" -gt 0 ]; then
  printf 'check-action-pins: %d finding(s); see docs/workflow-pins.md\n' "$findings" >&2
  exit 1
fi
printf 'check-action-pins: %d action(s) pinned by SHA with one version each, in %d file(s)\n' "${#pin_of[@]}" "${#files[@]}"
