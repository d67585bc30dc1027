#!/usr/bin/env bash
# Prints what a Hetzner server type costs in one location, as the vm_created callback's `price`
# (docs/cost.md): {"hourly_net","hourly_gross","monthly_net","monthly_gross","currency"}, decimal
# strings as Hetzner gives them. It asks the API for that one type (GET /server_types?name=TYPE;
# the Ansible module hcloud_server_type_info does not return prices) and takes the entry of
# `prices` whose location is LOCATION.
#
#   server-price.sh TYPE LOCATION
#
# Best effort: the price is for the page, so a failure (no token, the API down, the type or
# location not in the answer, an answer of another shape) prints nothing, logs why, and exits 0;
# the callback then goes without a price. Never prints the token.
#
# Environment:
#   HCLOUD_TOKEN            the Hetzner Cloud API token (read only is enough)
#   HCLOUD_API_URL          default https://api.hetzner.cloud/v1 (tests point it at a stand-in)
#   HETZNER_PRICE_CURRENCY  default EUR: the currency of the project's price list (the API's
#                           server_types answer does not name it; GET /pricing does)
set -uo pipefail

log() { printf 'server-price: %s\n' "$*" >&2; }

type="${1:-}"
location="${2:-}"
if ! [[ "$type" =~ ^[a-z0-9][a-z0-9-]{0,31}$ ]] || ! [[ "$location" =~ ^[a-z0-9][a-z0-9-]{0,31}$ ]]; then
  log "usage: server-price.sh TYPE LOCATION (got '${type:0:40}' '${location:0:40}'); no price sent"
  exit 0
fi
if [ -z "${HCLOUD_TOKEN:-}" ]; then
  log "HCLOUD_TOKEN is not set; no price sent"
  exit 0
fi

api="${HCLOUD_API_URL:-https://api.hetzner.cloud/v1}"
currency="${HETZNER_PRICE_CURRENCY:-EUR}"
# The token goes in a header read from standard input, so it is never on a command line.
if ! answer="$(printf 'Authorization: Bearer %s\n' "$HCLOUD_TOKEN" | curl --silent --show-error --fail --max-time 15 \
  --retry 2 --retry-delay 2 --header @- --get --data-urlencode "name=$type" "$api/server_types" 2>&1)"; then
  log "GET /server_types?name=$type failed (${answer:0:200}); no price sent"
  exit 0
fi

price="$(jq -ec --arg type "$type" --arg location "$location" --arg currency "$currency" '
  [.server_types[]? | select(.name == $type) | .prices[]? | select(.location == $location)] | first
  | {hourly_net: .price_hourly.net, hourly_gross: .price_hourly.gross,
     monthly_net: .price_monthly.net, monthly_gross: .price_monthly.gross, currency: $currency}
  | select(all(.[]; type == "string" and test("^[0-9]{1,9}(\\.[0-9]{1,16})?$|^[A-Z]{3}$")))' <<<"$answer" 2>/dev/null)"
if [ -z "$price" ]; then
  log "Hetzner's answer has no price of $type in $location; no price sent"
  exit 0
fi
printf '%s\n' "$price"
