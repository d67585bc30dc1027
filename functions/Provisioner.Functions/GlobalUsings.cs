// The job model (Jobs/) is the bottom layer every folder speaks (docs/architecture.md): it is in scope everywhere.
global using Provisioner.Functions.Jobs;

// The guard every HTTP function goes through (access check, storage outage as 503). It sits above
// Http, Identity and Storage, which it uses, so that none of those reaches up (docs/architecture.md).
global using Provisioner.Functions.Guard;
