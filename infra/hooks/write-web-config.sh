#!/bin/sh
# azd hooks (azure.yaml) for the status page. The page is served by the Static Web App and calls
# the Function App on another origin (its CORS allows exactly this page's origin), so
# web/config.json, which the page loads, must name the API's origin while web/ is uploaded.
#   predeploy:  write-web-config.sh          points web/config.json at API_BASE_URL, and gives the
#                                            page its sign-in (WEB_AUTH_CLIENT_ID, _AUTHORITY, _SCOPE)
#   postdeploy: write-web-config.sh --reset  puts back the committed same-origin default
# API_BASE_URL (https://<app>.azurewebsites.net/api) is an output of infra/main.bicep that azd
# puts in the environment of its hooks; the page adds /api/... itself, so the suffix is dropped.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
config="$root/web/config.json"
if [ "${1:-}" = "--reset" ]; then
  printf '{\n  "apiBaseUrl": ""\n}\n' > "$config"
  echo "write-web-config: web/config.json reset to same-origin"
  exit 0
fi
: "${API_BASE_URL:?API_BASE_URL is not set: run 'azd provision' (or 'azd env refresh') first}"
origin=${API_BASE_URL%/}
origin=${origin%/api}
if [ -n "${WEB_AUTH_CLIENT_ID:-}" ]; then
  : "${WEB_AUTH_AUTHORITY:?WEB_AUTH_AUTHORITY is not set: run 'azd provision' (or 'azd env refresh') first}"
  : "${WEB_AUTH_SCOPE:?WEB_AUTH_SCOPE is not set: run 'azd provision' (or 'azd env refresh') first}"
  printf '{\n  "apiBaseUrl": "%s",\n  "auth": {\n    "clientId": "%s",\n    "authority": "%s",\n    "scope": "%s"\n  }\n}\n' \
    "$origin" "$WEB_AUTH_CLIENT_ID" "$WEB_AUTH_AUTHORITY" "$WEB_AUTH_SCOPE" > "$config"
else
  printf '{\n  "apiBaseUrl": "%s"\n}\n' "$origin" > "$config"
fi
echo "write-web-config: web/config.json points the status page at $origin"
