#!/bin/sh
# azd predeploy hook (azure.yaml): tells the status page where the API is. The page is served by
# the Static Web App and calls the Function App on another origin (its CORS allows exactly this
# page's origin), so web/config.js, which the page loads, names the API's base URL. API_BASE_URL
# is an output of infra/main.bicep that azd puts in the environment of its hooks.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${API_BASE_URL:?API_BASE_URL is not set: run 'azd provision' (or 'azd env refresh') first}"
mkdir -p "$root/web"
cat > "$root/web/config.js" <<JS
// Written by infra/hooks/write-web-config.sh when deploying to Azure (azd predeploy).
window.PROVISIONER_CONFIG = { apiBaseUrl: "$API_BASE_URL" };
JS
echo "write-web-config: web/config.js points the status page at $API_BASE_URL"
