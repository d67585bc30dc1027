using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifetime;

/// <summary>
/// <c>PATCH /api/agents/{agent_id}/server</c> (docs/lifetime.md): extends, shortens or clears the
/// lifetime of the server of the agent's newest provision job. The body is read and checked
/// before anything is looked up, and nothing is written for a refusal. A server given an end is
/// put in the in-flight index before the job row changes, so the sweep (<see cref="ServerExpiry"/>)
/// finds it even if this request stops in between.
/// </summary>
internal sealed partial class ExtendServerHandler(
    JobStore jobs,
    AgentStore agents,
    InFlightIndex inFlight,
    TimeProvider time,
    ILogger<ExtendServerHandler> logger)
{
    public const int MaxBodyBytes = 1024;
    private const string Shape = "{\"ttl_minutes\": N} or {\"expires_at\": \"<ISO-8601>\" | null}";

    public async Task<IResult> HandleAsync(HttpRequest request, string agentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!AgentIds.IsValid(agentId))
        {
            return Problems.BadRequest($"agent_id \"{(agentId.Length > 80 ? agentId[..80] + "…" : agentId)}\" is not valid: {AgentIds.Rule}.");
        }

        var read = await BoundedBody.ReadAsync(request, MaxBodyBytes, $"a lifetime change is {Shape}", cancellationToken);
        if (read.Problem is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        LifetimeChange? change;
        if (!JsonObjectBody.TryParse(read.Body, 4, Shape, out var document, out var error))
        {
            return Problems.BadRequest(error);
        }

        using (document)
        {
            if (!Lifetimes.TryReadChange(document.RootElement, now, out change, out error))
            {
                return Problems.BadRequest(error);
            }
        }

        var agent = await agents.FindAsync(agentId, cancellationToken);
        var target = agent?.NewestJobId is { } newest ? await jobs.FindAsync(newest, cancellationToken) : null;
        if (agent is null || target is null)
        {
            return Problems.NotFound($"Agent {agentId} has no server: it was never provisioned. Create a job with POST /api/jobs.");
        }

        if (agent.ActiveJobId is { } activeId && await jobs.FindAsync(activeId, cancellationToken) is { IsTerminal: false } active)
        {
            var what = active.Kind == JobKind.Deprovision ? "a tear down removing its server" : "a provisioning job";
            return Problems.Conflict(
                $"Agent {agentId} has {what} in flight, job {active.JobId} ({active.Status.ToString().ToLowerInvariant()}); follow it at /api/jobs/{active.JobId}, and change the lifetime once it has ended.",
                new Dictionary<string, object?> { ["job_id"] = active.JobId });
        }

        if (Deprovision.Refusal(target) is { } refusal)
        {
            return Problems.NotFound(refusal);
        }

        if (change.EndsAt is not null)
        {
            await inFlight.WatchAsync(target.JobId, now, cancellationToken);
        }

        // Decided again on the job as stored: a tear down may have marked it removed meanwhile.
        var stored = await jobs.UpdateAsync(target.JobId, j => Deprovision.Refusal(j) is null ? Lifetimes.Apply(j, change, now) : null, cancellationToken) ?? target;
        if (Deprovision.Refusal(stored) is { } removed)
        {
            return Problems.NotFound(removed);
        }

        var endsAt = Lifetimes.EndOf(stored);
        LogChanged(logger, stored.JobId, agentId, endsAt);
        return new StatusDocumentResult(stored, now: now);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: the lifetime of agent {AgentId}'s server now ends at {EndsAt:o} (none: no end)")]
    private static partial void LogChanged(ILogger logger, Guid jobId, string agentId, DateTimeOffset? endsAt);
}
