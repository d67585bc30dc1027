#!/bin/sh
# azd hooks (azure.yaml) for the status page. The page is served by the Static Web App and calls
# the Function App on another origin (its CORS allows exactly this page's origin), so
# web/config.json, which the page loads, must name the API's origin while web/ is uploaded.
#   predeploy:  write-web-config.sh          points web/config.json at API_BASE_URL, and gives the
#                                            page its sign-in (WEB_AUTH_CLIENT_ID, _AUTHORITY, _SCOPE)
#                                            and names exactly the API's origin and the sign-in
#                                            authority's origin in the page's CSP connect-src
#                                            (web/staticwebapp.config.json), never a blanket https:
#   postdeploy: write-web-config.sh --reset  puts back the committed same-origin defaults
# API_BASE_URL (https://<app>.azurewebsites.net/api) is an output of infra/main.bicep that azd
# puts in the environment of its hooks; the page adds /api/... itself, so the suffix is dropped.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
web=${WEB_DIR:-$root/web}
config="$web/config.json"
swa="$web/staticwebapp.config.json"
# Refuses anything but an https origin, before a file is written.
must_be_origin() {
  if ! printf '%s' "$1" | grep -Eq '^https://[A-Za-z0-9.-]+(:[0-9]+)?$'; then
    echo "write-web-config: '$1' is not an https origin" >&2
    exit 1
  fi
}
# Sets the CSP's connect-src to 'self' plus the given origins (none: the page's own origin only).
connect_src() {
  sources="'self'"
  for source in "$@"; do
    sources="$sources $source"
  done
  sed "s#connect-src [^;]*;#connect-src $sources;#" "$swa" > "$swa.tmp"
  mv "$swa.tmp" "$swa"
}
if [ "${1:-}" = "--reset" ]; then
  printf '{\n  "apiBaseUrl": ""\n}\n' > "$config"
  connect_src
  echo "write-web-config: web/config.json and the CSP reset to same-origin"
  exit 0
fi
: "${API_BASE_URL:?API_BASE_URL is not set: run 'azd provision' (or 'azd env refresh') first}"
origin=${API_BASE_URL%/}
origin=${origin%/api}
must_be_origin "$origin"
if [ -n "${WEB_AUTH_CLIENT_ID:-}" ]; then
  : "${WEB_AUTH_AUTHORITY:?WEB_AUTH_AUTHORITY is not set: run 'azd provision' (or 'azd env refresh') first}"
  : "${WEB_AUTH_SCOPE:?WEB_AUTH_SCOPE is not set: run 'azd provision' (or 'azd env refresh') first}"
  # MSAL fetches the authority's metadata and token endpoint; the CSP names its origin only.
  authority_origin=$(printf '%s' "$WEB_AUTH_AUTHORITY" | sed 's#^\(https://[^/]*\).*#\1#')
  must_be_origin "$authority_origin"
  printf '{\n  "apiBaseUrl": "%s",\n  "auth": {\n    "clientId": "%s",\n    "authority": "%s",\n    "scope": "%s"\n  }\n}\n' \
    "$origin" "$WEB_AUTH_CLIENT_ID" "$WEB_AUTH_AUTHORITY" "$WEB_AUTH_SCOPE" > "$config"
  connect_src "$origin" "$authority_origin"
else
  printf '{\n  "apiBaseUrl": "%s"\n}\n' "$origin" > "$config"
  connect_src "$origin"
fi
echo "write-web-config: web/config.json points the status page at $origin"
