using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Audit;

/// <summary>
/// The action an entry names, by the function that answered: <c>job.create</c>, <c>job.cancel</c>,
/// <c>job.retry</c>, <c>server.delete</c>, <c>server.extend</c> for the changes, and a name per
/// read for a refused read. A function not listed here is recorded under its own name. The
/// backend's own tear downs have theirs (<see cref="OfBackend"/>).
/// </summary>
internal static class AuditActions
{
    public static IReadOnlyDictionary<string, string> ByFunction { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CreateJob"] = "job.create",
        ["CancelJob"] = "job.cancel",
        ["RetryJob"] = "job.retry",
        ["RemoveAgentServer"] = "server.delete",
        ["ChangeServerLifetime"] = "server.extend",
        ["GetJobStatus"] = "job.read",
        ["GetJobEvents"] = "job.events",
        ["ListJobs"] = "job.list",
        ["ListAgentJobs"] = "agent.jobs",
        ["GetAgentProvisioning"] = "agent.read",
        ["GetStepStats"] = "stats.read",
        ["ListAudit"] = "audit.list",
    };

    /// <summary>
    /// The entry of a tear down the backend started itself (nobody's request): when the deprovision
    /// job it added for an ended lifetime or hold first moves (it was dispatched, or failed to be),
    /// <c>server.expire</c> or <c>server.hold_expire</c>. Null for every other write. A deprovision
    /// job added and deleted again (its agent was busy) never moves, so it leaves no entry.
    /// </summary>
    public static string? OfBackend(Job? before, Job after)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (before is not { Kind: JobKind.Deprovision, Status: JobStatus.Queued, DispatchedAt: null } || (after.DispatchedAt is null && after.Status == JobStatus.Queued))
        {
            return null;
        }

        return after.DeprovisionReason switch
        {
            Deprovision.Expired => "server.expire",
            Deprovision.HoldExpired => "server.hold_expire",
            _ => null, // a person's tear down: recorded with their request
        };
    }

    public static string Of(string functionName) => ByFunction.TryGetValue(functionName, out var action) ? action : functionName;

    /// <summary>
    /// The answer a change gives when it succeeds: what an entry written with the change says until
    /// the request's answer is known (and what it keeps if the request stops before that).
    /// </summary>
    public static int SuccessStatus(string action) => action == "server.extend" ? 200 : 202;
}
