namespace Provisioner.Functions.Storage;

internal abstract record AgentClaim
{
    private AgentClaim()
    {
    }

    public sealed record Claimed : AgentClaim;

    /// <summary>The agent already has a job in flight.</summary>
    public sealed record Busy(Guid ActiveJobId) : AgentClaim;
}
