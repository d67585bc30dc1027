namespace Provisioner.Functions.Audit;

/// <summary>
/// The action an entry names, by the function that answered: <c>job.create</c>, <c>job.cancel</c>,
/// <c>job.retry</c>, <c>server.delete</c>, <c>server.extend</c> for the changes, and a name per
/// read for a refused read. A function not listed here is recorded under its own name.
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

    public static string Of(string functionName) => ByFunction.TryGetValue(functionName, out var action) ? action : functionName;

    /// <summary>
    /// The answer a change gives when it succeeds: what an entry written with the change says until
    /// the request's answer is known (and what it keeps if the request stops before that).
    /// </summary>
    public static int SuccessStatus(string action) => action == "server.extend" ? 200 : 202;
}
