using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.CreateJob;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Quotas;

/// <summary>
/// The quota check of a create (docs/quotas.md): with no quota set it costs nothing; otherwise one
/// read and one conditional write of the person's counter row. Before it refuses for the servers
/// held, it looks at each counted job once and stops counting those whose server is gone (a
/// release a crash left out), so a refusal is never for a server that no longer exists.
/// </summary>
internal sealed partial class QuotaGate(QuotaStore store, JobStore jobs, IOptions<QuotaOptions> options, TimeProvider time, ILogger<QuotaGate> logger) : ICreateAdmission
{
    private QuotaLimits Limits => new(options.Value.ServersPerPerson, options.Value.CreatesPerHourPerPerson);

    public async Task<IResult?> AdmitAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var limits = Limits;
        if (!limits.Any)
        {
            return null;
        }

        var person = Jobs.Quotas.PersonOf(job.CreatedBy);
        var decision = await AdmitOnceAsync(person, job.JobId, limits, cancellationToken);
        if (decision is QuotaDecision.Refused { Policy: Jobs.Quotas.ServersPolicy } && await RepairAsync(person, cancellationToken))
        {
            decision = await AdmitOnceAsync(person, job.JobId, limits, cancellationToken);
        }

        if (decision is not QuotaDecision.Refused refused)
        {
            return null;
        }

        LogRefused(logger, person, refused.Policy, refused.Limit, job.AgentId);
        return new QuotaRefusal(refused, limits);
    }

    public async Task ReleaseAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (Limits.Any)
        {
            await ReleaseAsync(Jobs.Quotas.PersonOf(job.CreatedBy), job.JobId, cancellationToken);
        }
    }

    /// <summary>Stops counting <paramref name="jobId"/> against <paramref name="person"/> (its server is gone).</summary>
    public Task ReleaseAsync(string person, Guid jobId, CancellationToken cancellationToken) =>
        store.ChangeAsync(person, state => (Jobs.Quotas.Release(state, jobId), true), cancellationToken);

    private Task<QuotaDecision> AdmitOnceAsync(string person, Guid jobId, QuotaLimits limits, CancellationToken cancellationToken) =>
        store.ChangeAsync(person, state => Jobs.Quotas.Admit(state, jobId, time.GetUtcNow(), limits) switch
        {
            QuotaDecision.Admitted admitted => ((QuotaState?)admitted.Next, (QuotaDecision)admitted),
            var refused => (null, refused),
        }, cancellationToken);

    /// <summary>Drops the counted jobs whose server is gone, or whose job row never appeared; true when one was dropped.</summary>
    private async Task<bool> RepairAsync(string person, CancellationToken cancellationToken)
    {
        var state = await store.ChangeAsync(person, s => ((QuotaState?)null, s), cancellationToken);
        var now = time.GetUtcNow();
        var gone = new List<Guid>();
        foreach (var hold in state.Holding)
        {
            var job = await jobs.FindAsync(hold.JobId, cancellationToken);
            if (job is null ? now - hold.At > Jobs.Quotas.OrphanGrace : Jobs.Quotas.ServerGone(job))
            {
                gone.Add(hold.JobId);
            }
        }

        foreach (var jobId in gone)
        {
            await ReleaseAsync(person, jobId, cancellationToken);
        }

        return gone.Count > 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Create for agent {AgentId} refused: {Person} is at the {Policy} quota ({Limit})")]
    private static partial void LogRefused(ILogger logger, string person, string policy, int limit, string agentId);
}

/// <summary>
/// <c>429</c> naming the quota, with the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers):
/// <c>RateLimit-Policy</c> lists the quotas that are set, <c>RateLimit</c> says the one that refused
/// has none left (and, for the creates of the hour, when one frees up), and <c>Retry-After</c> is
/// there only when waiting helps (the hourly quota; for the servers held, removing one helps).
/// </summary>
internal sealed class QuotaRefusal(QuotaDecision.Refused refused, QuotaLimits limits) : IResult, IStatusCodeHttpResult
{
    /// <summary>The answer's status, for the middleware that reads it (span, audit log).</summary>
    public int? StatusCode => StatusCodes.Status429TooManyRequests;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers["RateLimit-Policy"] = Jobs.Quotas.PolicyField(limits);
        httpContext.Response.Headers["RateLimit"] = Jobs.Quotas.RateLimitField(refused);
        httpContext.Response.Headers.AccessControlExposeHeaders = "RateLimit-Policy, RateLimit, Retry-After";
        var detail = refused.Policy == Jobs.Quotas.ServersPolicy
            ? $"You hold {refused.Limit} servers, the most QUOTA_SERVERS_PER_PERSON allows: remove one (DELETE /api/agents/{{agent_id}}/server) before you create another."
            : $"You created {refused.Limit} jobs in the last hour, the most QUOTA_CREATES_PER_HOUR_PER_PERSON allows: try again after {refused.ResetSeconds} seconds.";
        var problem = new ProblemResult(
            StatusCodes.Status429TooManyRequests,
            "Over quota",
            detail,
            new Dictionary<string, object?> { ["quota"] = refused.Policy, ["limit"] = refused.Limit },
            refused.ResetSeconds);
        await problem.ExecuteAsync(httpContext);
    }
}
