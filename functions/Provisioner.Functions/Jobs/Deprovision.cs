namespace Provisioner.Functions.Jobs;

/// <summary>The rules of a tear down, pure: which provision job has a server to remove, and the deprovision job that removes it.</summary>
internal static class Deprovision
{
    /// <summary>The reason of a tear down a person asked for (<c>DELETE /api/agents/{agent_id}/server</c>).</summary>
    public const string Requested = "requested";

    /// <summary>The reason of a tear down the backend started when a failed job's hold on its server passed (<see cref="Holds"/>).</summary>
    public const string HoldExpired = "hold_expired";

    /// <summary>The reason of a tear down the backend started when a server's lifetime ended (<see cref="Lifetimes"/>).</summary>
    public const string Expired = "expired";

    /// <summary>Why <paramref name="target"/> (an agent's newest provision job, not in flight) has no server to remove; null when it has one.</summary>
    public static string? Refusal(Job target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.ServerRemovedAt is { } removedAt)
        {
            return $"Agent {target.AgentId} has no server: server {target.Server?.Id} of job {target.JobId} was removed at {removedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} by job {target.ServerRemovedByJobId}.";
        }

        if (target.Status != JobStatus.Running)
        {
            return $"Agent {target.AgentId} has no server: its newest job {target.JobId} is {target.Status.ToString().ToLowerInvariant()}, and a run that did not reach running deletes its server in its own clean-up.";
        }

        return target.Server?.Id is null
            ? $"Agent {target.AgentId} has no server: its job {target.JobId} is running but never reported a server_id, so there is nothing to name for removal."
            : null;
    }

    /// <summary>A new deprovision job (attempt 1) for <paramref name="target"/>'s server, started for <paramref name="reason"/>.</summary>
    public static Job For(Job target, Guid jobId, DateTimeOffset now, string reason = Requested)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Job.Create(jobId, target.AgentId, target.Region, now) with
        {
            Kind = JobKind.Deprovision,
            RemovesServerOfJobId = target.JobId,
            Server = target.Server,
            DeprovisionReason = reason,
        };
    }

    /// <summary>The next attempt of a failed or cancelled deprovision job: the same server, the same provision job.</summary>
    public static Job NextAttempt(Job previous, Guid jobId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(previous);
        return Job.Create(jobId, previous.AgentId, previous.Region, now) with
        {
            Kind = JobKind.Deprovision,
            RemovesServerOfJobId = previous.RemovesServerOfJobId,
            Server = previous.Server is { } s ? new ServerInfo(s.Id, s.Ip, s.TailscaleIp) : null,
            Attempt = previous.Attempt + 1,
            PreviousJobId = previous.JobId,
            DeprovisionReason = previous.DeprovisionReason,
        };
    }
}
