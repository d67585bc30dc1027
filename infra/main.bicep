// Provisioner on Azure: the Function App (Flex Consumption, .NET 10 isolated), its storage, its
// identity, its secrets, its telemetry and the status page. Deployed with `azd up`; see docs/deploy.md. Every resource is declared in ./modules (the public module registry is not
// reachable from every machine that builds this).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (for example "prod"). It names the resource group and seeds the token that makes every resource name unique.')
param environmentName string

@minLength(1)
@description('Region of every resource except the Static Web App. Flex Consumption must be offered there (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Region of the Static Web App, which is offered in fewer regions; it serves from a global edge, so this matters little.')
@allowed(['centralus', 'eastasia', 'eastus2', 'westeurope', 'westus2'])
param staticWebAppLocation string = 'westeurope'

@secure()
@description('GITHUB_CALLBACK_SECRET: the secret the workflow signs its callbacks with (the Standard Webhooks format: whsec_ followed by base64 of 32 random bytes, e.g. whsec_$(openssl rand -base64 32)). Stored in Key Vault. At least 16 characters; may be empty only with callbackAuth oidc, which accepts the run\'s GitHub Actions token instead.')
param githubCallbackSecret string = ''

@secure()
@description('GITHUB_CALLBACK_SECRET_PREVIOUS: while rotating, the secret being replaced, still accepted. Empty outside a rotation.')
param githubCallbackSecretPrevious string = ''

@secure()
@minLength(16)
@description('AGENT_KEY_SECRET: the secret each agent\'s health-report key is derived from (whsec_ followed by base64 of 32 random bytes, e.g. whsec_$(openssl rand -base64 32)); changing it revokes every agent key. Stored in Key Vault.')
param agentKeySecret string

@description('HEALTH_SILENCE_MINUTES: minutes without a health report after which a running agent is shown unreachable.')
@minValue(1)
@maxValue(1440)
param healthSilenceMinutes int = 5

@secure()
@description('GITHUB_TOKEN: a token with Actions read and write on the workflow\'s repository. Empty only with workflowMode simulated (jobs run the simulated workflow); otherwise the app does not start. Stored in Key Vault.')
param githubToken string = ''

@description('GITHUB_OWNER: owner of the repository holding the workflow (required with a token).')
param githubOwner string = ''

@description('GITHUB_REPO: that repository\'s name (required with a token).')
param githubRepo string = ''

@description('GITHUB_WORKFLOW: the workflow file to dispatch.')
param githubWorkflow string = 'provision-agent.yml'

@description('GITHUB_DEPROVISION_WORKFLOW: the workflow file a tear down (DELETE /api/agents/{agent_id}/server) dispatches.')
param githubDeprovisionWorkflow string = 'deprovision-agent.yml'

@description('GITHUB_REF: the branch or tag the workflow runs from.')
param githubRef string = 'main'

@description('GITHUB_REPOSITORY_ID: the repository\'s numeric id, which a run\'s token must carry (empty: not checked).')
param githubRepositoryId string = ''

@description('GITHUB_REPOSITORY_OWNER_ID: the owner\'s numeric id, which a run\'s token must carry (empty: not checked).')
param githubRepositoryOwnerId string = ''

@description('GITHUB_API_URL: the GitHub API base (GitHub Enterprise Server: the server\'s address).')
param githubApiUrl string = 'https://api.github.com/'

@description('CALLBACK_ALLOW_LEGACY_SIGNATURE: false accepts Standard Webhooks signatures only.')
param allowLegacySignature bool = false

@description('The Entra ID tenant of the two app registrations (the API and the status page); AUTH_AUTHORITY is its v2.0 issuer. Default: the deployment\'s tenant.')
param authTenantId string = subscription().tenantId

@minLength(1)
@description('The API app registration\'s client id (docs/deploy.md, "Signing in (Entra ID)"): the audience of people\'s access tokens (AUTH_AUDIENCE). The app runs with AUTH_MODE=entra.')
param authApiClientId string

@description('The API\'s app ID URI (api://...), accepted as an audience beside the client id and used for the page\'s scope. Empty: api://{authApiClientId}.')
param authApiAppIdUri string = ''

@description('The status page\'s app registration (single-page application) client id, written into web/config.json when the page is deployed. Empty: the page does not sign in.')
param authWebClientId string = ''

@description('CALLBACK_AUTH: what proves a callback: hmac (the shared secret\'s signature), oidc (the run\'s GitHub Actions ID token) or any (either, for the switch-over; docs/callbacks.md).')
@allowed(['hmac', 'oidc', 'any'])
param callbackAuth string = 'hmac'

@description('DISPATCH_START_MINUTES: how long a dispatched job may wait for its run to report before it is failed.')
@minValue(1)
@maxValue(1440)
param dispatchStartMinutes int = 10

@description('JOB_TIMEOUT_MINUTES: silence after which a job in flight is failed as timed out.')
@minValue(1)
@maxValue(1440)
param jobTimeoutMinutes int = 15

@description('JOB_MAX_MINUTES: how long a job may stay in flight in total before it is failed.')
@minValue(1)
@maxValue(1440)
param jobMaxMinutes int = 60

@description('CANCEL_CONFIRM_MINUTES: how long a cancelling job waits for its workflow\'s clean-up to report before it ends as cancelled, unconfirmed.')
@minValue(1)
@maxValue(1440)
param cancelConfirmMinutes int = 15

@description('KEEP_FAILED_SERVER_MINUTES: how long the server of a run that failed at Installing Dependencies or Configuring Agent is kept for a re-run from the failed step; 0 deletes it at once.')
@minValue(0)
@maxValue(1440)
param keepFailedServerMinutes int = 30

@description('NOTIFY_URL: where signed job events are sent (docs/notifications.md). Empty: no notifications. Set together with notifySecret.')
param notifyUrl string = ''

@secure()
@description('NOTIFY_SECRET: the Standard Webhooks secret the events are signed with (whsec_ followed by base64). Stored in Key Vault. Set together with notifyUrl.')
param notifySecret string = ''

@description('RECONCILE_AFTER_MINUTES: minutes of silence after which a dispatched job\'s run is looked up on GitHub (and always before a deadline fails it).')
@minValue(1)
@maxValue(1440)
param reconcileAfterMinutes int = 3

@description('DEFAULT_TTL_MINUTES: the lifetime in whole minutes (1 to 43200), counted from Running, of a server whose POST /api/jobs names no ttl_minutes; once it passes the server is torn down. Empty: no end.')
param defaultTtlMinutes string = ''

@description('EXPIRY_WARNING_MINUTES: how long before a server\'s end the one agent.expiring notification goes out; 0 sends none.')
@minValue(0)
@maxValue(43200)
param expiryWarningMinutes int = 60

@description('QUOTA_SERVERS_PER_PERSON: servers one person may hold at once (a whole number, 1 to 500); over it POST /api/jobs is refused with 429. Empty: no quota.')
param quotaServersPerPerson string = ''

@description('QUOTA_CREATES_PER_HOUR_PER_PERSON: creates one person may make in any hour (a whole number, 1 to 500); over it 429 with Retry-After. Empty: no quota.')
param quotaCreatesPerHourPerPerson string = ''

@description('AUDIT_RETENTION_DAYS: how long an audit entry is kept, in days; the daily CleanAuditLog timer deletes older ones.')
@minValue(1)
@maxValue(3650)
param auditRetentionDays int = 365

@description('EVENTS_MAX_STREAMS: event streams one instance keeps open at once (each reads its job row once a second); one more is answered 503.')
@minValue(1)
@maxValue(100000)
param eventsMaxStreams int = 500

@description('EVENTS_STREAM_SECONDS: how long an event stream stays open before the server ends it (the client resumes); the Functions front end cuts a request at 230 s.')
@minValue(1)
@maxValue(215)
param eventsStreamSeconds int = 200

@description('WORKFLOW_MODE: simulated runs the simulated workflow in place of GitHub (then githubToken must be empty); empty dispatches the real workflow, which needs githubToken: without one the app does not start.')
@allowed(['', 'simulated'])
param workflowMode string = ''

@description('Most instances the Function App may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of each Function App instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Object id of the person or pipeline deploying (azd sets AZURE_PRINCIPAL_ID). Gets data access to the storage account and the vault, for inspecting tables and rotating secrets; empty grants nothing.')
param principalId string = ''

// DEFAULT_TTL_MINUTES and the quotas: empty, or a whole number in the app's range. The app would
// refuse anything else when it starts; these refuse it when the deployment runs, naming the
// parameter. (ARM's if() evaluates only the branch it takes, so int() never sees an empty value.
// Variables rather than a user-defined function, which would move the template to language
// version 2.0.)
var defaultTtl = empty(defaultTtlMinutes) ? '' : (int(defaultTtlMinutes) >= 1 && int(defaultTtlMinutes) <= 43200 ? string(int(defaultTtlMinutes)) : fail('defaultTtlMinutes (PROVISIONER_DEFAULT_TTL_MINUTES) must be empty or whole minutes from 1 to 43200.'))
var quotaServers = empty(quotaServersPerPerson) ? '' : (int(quotaServersPerPerson) >= 1 && int(quotaServersPerPerson) <= 500 ? string(int(quotaServersPerPerson)) : fail('quotaServersPerPerson (PROVISIONER_QUOTA_SERVERS_PER_PERSON) must be empty or a whole number from 1 to 500.'))
var quotaCreates = empty(quotaCreatesPerHourPerPerson) ? '' : (int(quotaCreatesPerHourPerPerson) >= 1 && int(quotaCreatesPerHourPerPerson) <= 500 ? string(int(quotaCreatesPerHourPerPerson)) : fail('quotaCreatesPerHourPerPerson (PROVISIONER_QUOTA_CREATES_PER_HOUR_PER_PERSON) must be empty or a whole number from 1 to 500.'))

// The v2.0 issuer of the tenant: what people's tokens name as iss, and where the page signs in.
var authAuthority = '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
// v2 tokens carry the client id as aud; the app ID URI is accepted too, when there is one.
var authAudience = empty(authApiAppIdUri) ? authApiClientId : '${authApiClientId},${authApiAppIdUri}'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var deploymentContainerName = 'app-package'
var names = {
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  identity: 'id-api-${resourceToken}'
  storage: 'st${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  staticWebApp: 'stapp-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-api-${resourceToken}'
}

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: names.identity
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: names.storage
    deploymentContainerName: deploymentContainerName
    // The names in functions/Provisioner.Functions/Storage/StorageNames.cs.
    tableNames: ['jobs', 'agents', 'idempotency', 'inflight', 'notifydeadletters', 'agenthealth', 'jobindex', 'usedtokens', 'audit', 'quotas']
    queueNames: ['provisioning-jobs', 'provisioning-jobs-poison', 'notifications', 'notifications-poison', 'cancel-runs', 'cancel-runs-poison']
  }
}

// A callback secret is required unless callbacks are proven by GitHub Actions tokens alone:
// without one the app refuses to start (it would refuse every signed callback).
var callbackSecret = callbackAuth == 'oidc' || length(githubCallbackSecret) >= 16
  ? githubCallbackSecret
  : fail('githubCallbackSecret (PROVISIONER_CALLBACK_SECRET) must be at least 16 characters unless callbackAuth is oidc: set it to whsec_$(openssl rand -base64 32).')

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: names.keyVault
    callbackSecret: callbackSecret
    previousCallbackSecret: githubCallbackSecretPrevious
    githubToken: githubToken
    notifySecret: notifySecret
    agentKeySecret: agentKeySecret
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: resourceGroup
  params: {
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    applicationInsightsName: names.applicationInsights
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
  }
  // Names are passed, not outputs, so that what-if sees them; the order is stated instead.
  dependsOn: [storage, keyVault, monitoring]
}

module staticWebApp 'modules/staticwebapp.bicep' = {
  name: 'staticwebapp'
  scope: resourceGroup
  params: {
    location: staticWebAppLocation
    tags: tags
    name: names.staticWebApp
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    planName: names.plan
    name: names.functionApp
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    callbackSecretUri: keyVault.outputs.callbackSecretUri
    previousCallbackSecretUri: keyVault.outputs.previousCallbackSecretUri
    githubTokenUri: keyVault.outputs.githubTokenUri
    agentKeySecretUri: keyVault.outputs.agentKeySecretUri
    healthSilenceMinutes: healthSilenceMinutes
    allowedOrigin: staticWebApp.outputs.origin
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    githubOwner: githubOwner
    githubRepo: githubRepo
    githubWorkflow: githubWorkflow
    githubDeprovisionWorkflow: githubDeprovisionWorkflow
    githubRef: githubRef
    githubRepositoryId: githubRepositoryId
    githubRepositoryOwnerId: githubRepositoryOwnerId
    githubApiUrl: githubApiUrl
    allowLegacySignature: allowLegacySignature
    dispatchStartMinutes: dispatchStartMinutes
    jobTimeoutMinutes: jobTimeoutMinutes
    jobMaxMinutes: jobMaxMinutes
    cancelConfirmMinutes: cancelConfirmMinutes
    keepFailedServerMinutes: keepFailedServerMinutes
    notifyUrl: notifyUrl
    notifySecretUri: keyVault.outputs.notifySecretUri
    authAuthority: authAuthority
    authAudience: authAudience
    callbackAuth: callbackAuth
    reconcileAfterMinutes: reconcileAfterMinutes
    defaultTtlMinutes: defaultTtl
    expiryWarningMinutes: expiryWarningMinutes
    quotaServersPerPerson: quotaServers
    quotaCreatesPerHourPerPerson: quotaCreates
    auditRetentionDays: auditRetentionDays
    eventsMaxStreams: eventsMaxStreams
    eventsStreamSeconds: eventsStreamSeconds
    workflowMode: workflowMode
  }
  // The first start must find its storage and secret roles in place, or it fails to read both.
  dependsOn: [storage, rbac]
}

// Read by azd (and its hooks) after provisioning; see azure.yaml.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_LOG_ANALYTICS_NAME string = monitoring.outputs.logAnalyticsName
output API_BASE_URL string = '${functionApp.outputs.uri}/api'
output WEB_URL string = staticWebApp.outputs.origin
// The page's sign-in (infra/hooks/write-web-config.sh writes them into web/config.json).
output WEB_AUTH_CLIENT_ID string = authWebClientId
output WEB_AUTH_AUTHORITY string = '${environment().authentication.loginEndpoint}${authTenantId}'
output WEB_AUTH_SCOPE string = '${empty(authApiAppIdUri) ? 'api://${authApiClientId}' : authApiAppIdUri}/access_as_user'
