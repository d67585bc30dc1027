#!/usr/bin/env bash
# Checks every action pin of the workflows against the action's own repository, over the
# network (CI runs it; the offline rules are .ci/check-action-pins.sh). For each distinct
# `uses: OWNER/REPO[/PATH]@SHA # vX.Y.Z`:
#   - the tag vX.Y.Z exists and names exactly SHA (git ls-remote; an annotated tag is peeled
#     with ^{} to its commit), so the comment cannot claim a release the SHA is not;
#   - the action.yml (or action.yaml) at SHA does not run on a Node that GitHub's runners no
#     longer have (node12, node16, node20): it declares node24 or later, composite or docker.
# See docs/workflow-pins.md, which also says how to bump a pin.
#
#   verify-action-pins.sh [FILE ...]   (default: .github/workflows/*.yml .github/actions/*/action.yml)
#
# Environment: GITHUB_SERVER_URL (default https://github.com), PINS_RAW_URL (default
# https://raw.githubusercontent.com). Exit status: 0 every pin checks out, 1 a finding or a
# lookup that failed.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

server="${GITHUB_SERVER_URL:-https://github.com}"
raw="${PINS_RAW_URL:-https://raw.githubusercontent.com}"

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=(.github/workflows/*.yml .github/workflows/*.yaml .github/actions/*/action.yml .github/actions/*/action.yaml)
fi

# The well-formedness rules first: what follows relies on every pin being SHA + # vX.Y.Z.
bash .ci/check-action-pins.sh "${files[@]}"

findings=0
finding() {
  printf 'verify-action-pins: %s\n' "$*" >&2
  findings=$((findings + 1))
}

uses_re='^[[:space:]]*(-[[:space:]]+)?uses:[[:space:]]*["'\'']?([^"'\''[:space:]#]+)["'\'']?[[:space:]]*#[[:space:]]*(v[0-9]+\.[0-9]+\.[0-9]+)'
mapfile -t pins < <(
  for file in "${files[@]}"; do
    while IFS= read -r line || [ -n "$line" ]; do
      if [[ "$line" =~ $uses_re ]]; then
        case "${BASH_REMATCH[2]}" in
          ./* | docker://*) ;;
          *) printf '%s %s\n' "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" ;;
        esac
      fi
    done <"$file"
  done | sort -u
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for pin in "${pins[@]}"; do
  ref="${pin% *}"
  version="${pin#* }"
  action="${ref%@*}"
  sha="${ref##*@}"
  IFS=/ read -r owner repo subpath <<<"$action"
  subpath="${subpath:+$subpath/}"

  # The commit the tag names: the peeled ^{} line of an annotated tag, else the tag itself.
  if ! git ls-remote --tags "$server/$owner/$repo" "refs/tags/$version" "refs/tags/$version^{}" >"$work/refs" 2>"$work/error"; then
    finding "$action: cannot list the tags of $server/$owner/$repo: $(head -c 300 "$work/error")"
    continue
  fi
  tagged="$(awk -v t="refs/tags/$version^{}" '$2 == t { print $1 }' "$work/refs")"
  [ -n "$tagged" ] || tagged="$(awk -v t="refs/tags/$version" '$2 == t { print $1 }' "$work/refs")"
  if [ -z "$tagged" ]; then
    finding "$action@$sha: the comment says $version, but $owner/$repo has no tag $version"
    continue
  fi
  if [ "$tagged" != "$sha" ]; then
    finding "$action@$sha: $owner/$repo's tag $version is $tagged, not the pinned SHA"
    continue
  fi

  # A reusable workflow has no action.yml and no runtime of its own.
  case "$subpath" in
    .github/workflows/*)
      printf 'verify-action-pins: %s %s = %s (reusable workflow)\n' "$action" "$version" "$sha"
      continue
      ;;
  esac
  : >"$work/action"
  for name in action.yml action.yaml; do
    if curl -fsSL --retry 3 --retry-delay 2 --max-time 30 -o "$work/action" "$raw/$owner/$repo/$sha/${subpath}$name" 2>/dev/null; then
      break
    fi
  done
  if [ ! -s "$work/action" ]; then
    finding "$action@$sha: no ${subpath}action.yml or action.yaml at that commit"
    continue
  fi
  using="$(sed -n 's/^[[:space:]]*using:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9_-]*\).*/\1/p' "$work/action" | head -n 1)"
  case "$using" in
    composite | docker) ;;
    node[0-9]*)
      if [ "${using#node}" -lt 24 ]; then
        finding "$action $version ($sha) runs on $using, which GitHub's runners no longer have: pin a release on node24"
        continue
      fi
      ;;
    *)
      finding "$action $version ($sha): cannot read runs.using from its action.yml (got '$using')"
      continue
      ;;
  esac
  printf 'verify-action-pins: %s %s = %s, runs.using %s\n' "$action" "$version" "$sha" "$using"
done

if [ "$findings" -gt 0 ]; then
  printf 'verify-action-pins: %d finding(s); see docs/workflow-pins.md\n' "$findings" >&2
  exit 1
fi
printf 'verify-action-pins: %d pin(s) match their tags and run on a supported runtime\n' "${#pins[@]}"
