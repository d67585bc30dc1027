// The Function App's user-assigned identity. It exists before the app, so its role assignments
// (storage, Key Vault, telemetry) are in place by the time the app first starts.

@description('Region of the identity.')
param location string

@description('Tags for the identity.')
param tags object

@description('Name of the user-assigned managed identity.')
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
