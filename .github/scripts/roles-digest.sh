#!/usr/bin/env bash
# Prints a short digest of everything that goes into the agent image: the roles, the plays
# that apply them to a fresh server, and the agent's release (AGENT_RELEASE_SHA256, empty for
# the stand-in). The image build labels its snapshot with it, and the provisioning run boots
# from a snapshot only when the labels match, so an image built from older roles, or carrying
# another release (or the stand-in), is never used with the lighter snapshot play: a new
# release retires the snapshot until the image is built again.
set -euo pipefail
cd "$(dirname "$0")/../../ansible"
release="${AGENT_RELEASE_SHA256:-}"
{
  find roles playbooks/install.yml playbooks/build-image.yml -type f -print0 |
    LC_ALL=C sort -z |
    xargs -0 sha256sum
  printf 'agent release %s\n' "${release,,}"
} |
  sha256sum |
  cut -c1-16
