// The API: a Function App on the Flex Consumption plan (scales out per instance, to zero when
// idle), .NET 10 isolated worker. It reaches storage and Key Vault as its user-assigned identity:
// no connection string and no key anywhere in its settings.

@description('Region of the plan and the app.')
param location string

@description('Tags for the plan and the app.')
param tags object

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the Function App.')
param name string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity: the Functions host and the app pick it by this id.')
param identityClientId string

@description('Name of the storage account (AzureWebJobsStorage).')
param storageAccountName string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Connection string of Application Insights (not a credential: local authentication is off there).')
param applicationInsightsConnectionString string

@description('Key Vault secret URI of GITHUB_CALLBACK_SECRET; empty leaves the setting empty (CALLBACK_AUTH=oidc).')
param callbackSecretUri string

@description('Key Vault secret URI of GITHUB_CALLBACK_SECRET_PREVIOUS; empty leaves the setting empty.')
param previousCallbackSecretUri string

@description('Key Vault secret URI of GITHUB_TOKEN; empty leaves the setting empty (simulated workflow).')
param githubTokenUri string

@description('The only origin allowed to call the API from a browser: the status page.')
param allowedOrigin string

@description('GITHUB_OWNER: owner of the workflow\'s repository.')
param githubOwner string

@description('GITHUB_REPO: the workflow\'s repository.')
param githubRepo string

@description('GITHUB_WORKFLOW: the workflow file to dispatch.')
param githubWorkflow string

@description('GITHUB_DEPROVISION_WORKFLOW: the workflow file a tear down dispatches.')
param githubDeprovisionWorkflow string

@description('GITHUB_REF: the branch or tag the workflow runs from.')
param githubRef string

@description('GITHUB_REPOSITORY_ID: the repository\'s numeric id (empty: not checked).')
param githubRepositoryId string = ''

@description('GITHUB_REPOSITORY_OWNER_ID: the owner\'s numeric id (empty: not checked).')
param githubRepositoryOwnerId string = ''

@description('GITHUB_API_URL: the GitHub API base.')
param githubApiUrl string

@description('AUTH_AUTHORITY: the Entra ID v2.0 issuer of people\'s tokens.')
param authAuthority string

@description('AUTH_AUDIENCE: the API\'s client id (and app ID URI), comma-separated.')
param authAudience string

@description('CALLBACK_AUTH: hmac, oidc or any.')
param callbackAuth string

@description('CALLBACK_ALLOW_LEGACY_SIGNATURE.')
param allowLegacySignature bool

@description('DISPATCH_START_MINUTES.')
param dispatchStartMinutes int

@description('JOB_TIMEOUT_MINUTES.')
param jobTimeoutMinutes int

@description('JOB_MAX_MINUTES.')
param jobMaxMinutes int

@description('CANCEL_CONFIRM_MINUTES.')
param cancelConfirmMinutes int

@description('KEEP_FAILED_SERVER_MINUTES.')
param keepFailedServerMinutes int

@description('NOTIFY_URL: the notification receiver; empty sends nothing.')
param notifyUrl string = ''

@description('Key Vault secret URI of NOTIFY_SECRET; empty leaves the setting empty.')
param notifySecretUri string = ''
@description('Key Vault secret URI of AGENT_KEY_SECRET.')
param agentKeySecretUri string

@description('HEALTH_SILENCE_MINUTES.')
param healthSilenceMinutes int

@description('RECONCILE_AFTER_MINUTES.')
param reconcileAfterMinutes int

@description('DEFAULT_TTL_MINUTES: empty (no end) or whole minutes.')
param defaultTtlMinutes string

@description('EXPIRY_WARNING_MINUTES.')
param expiryWarningMinutes int

@description('QUOTA_SERVERS_PER_PERSON: empty (no quota) or a whole number.')
param quotaServersPerPerson string

@description('QUOTA_CREATES_PER_HOUR_PER_PERSON: empty (no quota) or a whole number.')
param quotaCreatesPerHourPerPerson string

@description('AUDIT_RETENTION_DAYS.')
param auditRetentionDays int

@description('EVENTS_MAX_STREAMS.')
param eventsMaxStreams int

@description('EVENTS_STREAM_SECONDS.')
param eventsStreamSeconds int

@description('WORKFLOW_MODE: empty or simulated.')
param workflowMode string

@description('Most instances the app may scale out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve as this identity (the default would be a system identity the app does not have).
    keyVaultReferenceIdentity: identityId
    // No healthCheckPath: App Service's instance health check is for Premium and Dedicated plans;
    // Flex Consumption manages its instances itself. /api/health serves external probes (docs/deploy.md).
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      cors: {
        allowedOrigins: [allowedOrigin]
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// A separate config resource so the settings can use the app's own host name. Written out key by
// key (no union()) so that the compiled template shows each setting, for the infra tests.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Identity-based AzureWebJobsStorage, read by the Functions host and by the app (StorageClients).
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    GITHUB_CALLBACK_SECRET: empty(callbackSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${callbackSecretUri})'
    GITHUB_CALLBACK_SECRET_PREVIOUS: empty(previousCallbackSecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${previousCallbackSecretUri})'
    GITHUB_TOKEN: empty(githubTokenUri) ? '' : '@Microsoft.KeyVault(SecretUri=${githubTokenUri})'
    // callback_url = PUBLIC_BASE_URL + api/webhooks/github; the host name is the one Azure assigned.
    PUBLIC_BASE_URL: 'https://${functionApp.properties.defaultHostName}/'
    GITHUB_OWNER: githubOwner
    GITHUB_REPO: githubRepo
    GITHUB_WORKFLOW: githubWorkflow
    GITHUB_DEPROVISION_WORKFLOW: githubDeprovisionWorkflow
    GITHUB_REF: githubRef
    GITHUB_REPOSITORY_ID: githubRepositoryId
    GITHUB_REPOSITORY_OWNER_ID: githubRepositoryOwnerId
    GITHUB_API_URL: githubApiUrl
    CALLBACK_ALLOW_LEGACY_SIGNATURE: string(allowLegacySignature)
    DISPATCH_START_MINUTES: string(dispatchStartMinutes)
    JOB_TIMEOUT_MINUTES: string(jobTimeoutMinutes)
    JOB_MAX_MINUTES: string(jobMaxMinutes)
    CANCEL_CONFIRM_MINUTES: string(cancelConfirmMinutes)
    KEEP_FAILED_SERVER_MINUTES: string(keepFailedServerMinutes)
    NOTIFY_URL: notifyUrl
    NOTIFY_SECRET: empty(notifySecretUri) ? '' : '@Microsoft.KeyVault(SecretUri=${notifySecretUri})'
    AGENT_KEY_SECRET: '@Microsoft.KeyVault(SecretUri=${agentKeySecretUri})'
    HEALTH_SILENCE_MINUTES: string(healthSilenceMinutes)
    // People sign in with Entra ID: in Azure the app refuses to start with AUTH_MODE=disabled.
    AUTH_MODE: 'entra'
    AUTH_AUTHORITY: authAuthority
    AUTH_AUDIENCE: authAudience
    CALLBACK_AUTH: callbackAuth
    WORKFLOW_MODE: workflowMode
    RECONCILE_AFTER_MINUTES: string(reconcileAfterMinutes)
    DEFAULT_TTL_MINUTES: defaultTtlMinutes
    EXPIRY_WARNING_MINUTES: string(expiryWarningMinutes)
    QUOTA_SERVERS_PER_PERSON: quotaServersPerPerson
    QUOTA_CREATES_PER_HOUR_PER_PERSON: quotaCreatesPerHourPerPerson
    AUDIT_RETENTION_DAYS: string(auditRetentionDays)
    EVENTS_MAX_STREAMS: string(eventsMaxStreams)
    EVENTS_STREAM_SECONDS: string(eventsStreamSeconds)
    // Left at the app's defaults on purpose (each with its reason): the list in
    // tests/Provisioner.Tests/Infra/InfraTemplateTests.cs, LeftOut.
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
output uri string = 'https://${functionApp.properties.defaultHostName}'
