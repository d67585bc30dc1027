namespace Provisioner.Functions.Jobs;

/// <summary>The VM a workflow run created, as far as it has told us.</summary>
internal sealed record ServerInfo(string? Id, string? Ip, string? TailscaleIp)
{
    public bool IsEmpty => Id is null && Ip is null && TailscaleIp is null;
}
