// The job model (Jobs/) is the bottom layer every folder speaks (docs/architecture.md): it is in scope everywhere.
global using Provisioner.Functions.Jobs;

