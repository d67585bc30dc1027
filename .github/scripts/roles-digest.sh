#!/usr/bin/env bash
# Prints a short digest of everything that goes into the agent image: the roles and the plays
# that apply them to a fresh server. The image build labels its snapshot with it, and the
# provisioning run boots from a snapshot only when the labels match, so an image built from
# older roles is never used with the lighter snapshot play.
set -euo pipefail
cd "$(dirname "$0")/../../ansible"
find roles playbooks/install.yml playbooks/build-image.yml -type f -print0 |
  LC_ALL=C sort -z |
  xargs -0 sha256sum |
  sha256sum |
  cut -c1-16
