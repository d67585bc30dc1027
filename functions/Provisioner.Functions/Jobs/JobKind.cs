namespace Provisioner.Functions.Jobs;

/// <summary>What a job does: provision an agent's server, or remove it (docs/lifecycle.md, "Tear down").</summary>
internal enum JobKind
{
    Provision = 0,
    Deprovision = 1,
}
