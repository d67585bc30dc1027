// The app's secrets: the callback secret (and, while rotating, the previous one) and the GitHub
// token. The vault uses Azure RBAC, so the Function App's identity gets read access to secrets
// through a role assignment and nobody gets an access policy. The app reads the values through
// Key Vault references; this module returns the version-pinned secret URIs, so a new secret value
// changes the app settings and the app restarts with it (no 24-hour reference cache to wait out).

@description('Region of the vault.')
param location string

@description('Tags for the vault.')
param tags object

@description('Name of the Key Vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@secure()
@description('Value of GITHUB_CALLBACK_SECRET; empty stores nothing (callbacks proven by GitHub Actions tokens alone).')
param callbackSecret string

@secure()
@description('Value of GITHUB_CALLBACK_SECRET_PREVIOUS; empty stores nothing.')
param previousCallbackSecret string

@secure()
@description('Value of GITHUB_TOKEN; empty stores nothing (the app then runs the simulated workflow).')
param githubToken string

@secure()
@description('Value of NOTIFY_SECRET; empty stores nothing (no notifications).')
param notifySecret string = ''

@secure()
@description('Value of AGENT_KEY_SECRET.')
param agentKeySecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource callbackSecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(callbackSecret)) {
  parent: vault
  name: 'github-callback-secret'
  properties: {
    value: callbackSecret
    contentType: 'text/plain'
  }
}

resource previousCallbackSecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(previousCallbackSecret)) {
  parent: vault
  name: 'github-callback-secret-previous'
  properties: {
    value: previousCallbackSecret
    contentType: 'text/plain'
  }
}

resource githubTokenEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(githubToken)) {
  parent: vault
  name: 'github-token'
  properties: {
    value: githubToken
    contentType: 'text/plain'
  }
}

resource notifySecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(notifySecret)) {
  parent: vault
  name: 'notify-secret'
  properties: {
    value: notifySecret
    contentType: 'text/plain'
  }
}

resource agentKeySecretEntry 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'agent-key-secret'
  properties: {
    value: agentKeySecret
    contentType: 'text/plain'
  }
}

output name string = vault.name
output id string = vault.id
// Secret URIs name a secret; they grant nothing without a role on the vault.
output callbackSecretUri string = callbackSecretEntry.?properties.secretUriWithVersion ?? ''
output previousCallbackSecretUri string = previousCallbackSecretEntry.?properties.secretUriWithVersion ?? ''
output githubTokenUri string = githubTokenEntry.?properties.secretUriWithVersion ?? ''
output notifySecretUri string = notifySecretEntry.?properties.secretUriWithVersion ?? ''
output agentKeySecretUri string = agentKeySecretEntry.properties.secretUriWithVersion
