// The status page (web/): plain files, served by a Static Web App. azd finds it by its
// azd-service-name tag and uploads web/ to it.

@description('Region of the Static Web App (offered in fewer regions than Functions; it serves from a global edge).')
param location string

@description('Tags for the Static Web App.')
param tags object

@description('Name of the Static Web App.')
param name string

@description('Pricing tier: Free is enough for a status page; Standard adds custom authentication and an SLA.')
@allowed(['Free', 'Standard'])
param sku string = 'Free'

resource staticWebApp 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: sku
    tier: sku
  }
  properties: {
    // Deployed by azd (or the deploy workflow), not by a repository link of its own.
    provider: 'None'
    allowConfigFileUpdates: true
    stagingEnvironmentPolicy: 'Disabled'
  }
}

output name string = staticWebApp.name
output defaultHostname string = staticWebApp.properties.defaultHostname
output origin string = 'https://${staticWebApp.properties.defaultHostname}'
