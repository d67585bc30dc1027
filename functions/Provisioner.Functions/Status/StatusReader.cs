using System.Collections.Concurrent;
using Provisioner.Functions.AgentHealth;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Status;

/// <summary>
/// Reads a status document, with its ETag, in one storage request: the job's row (with whether a
/// newer job replaced it), for a running job with its agent's last health report from the row
/// beside it in one range read; the step-timing window comes from memory
/// (<see cref="Timing.StepTimings.CachedAsync"/>). The status routes
/// answer with it, and anything else that serves the document (an event stream) should read it
/// here, so it costs the same. docs/performance.md, "One read per status".
/// </summary>
internal sealed class StatusReader(JobStore jobs, AgentStore agents, AgentHealthReader health, Timing.StepTimings timings, TimeProvider time)
{
    /// <summary>How long the agent view trusts the newest job it remembers for an agent, when no mark told it otherwise.</summary>
    public static readonly TimeSpan NewestJobFreshness = TimeSpan.FromMinutes(1);

    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, Remembered> _newest = new(StringComparer.Ordinal);

    // Jobs seen running, whose reads include the health report row. Running is final: a running
    // job never leaves it, so a job once seen running is read with its report from then on.
    private readonly ConcurrentDictionary<Guid, bool> _running = new();

    /// <summary>The document of a job; null when there is no such job.</summary>
    public async Task<StatusDocumentResult?> ForJobAsync(Guid jobId, CancellationToken cancellationToken) =>
        await ReadAsync(jobId, cancellationToken) is { } stored ? await DocumentAsync(stored, cancellationToken) : null;

    /// <summary>
    /// The document of the agent's newest job; null when it has none. The agent row names that
    /// job, so a first call costs two reads; then the job is remembered, and its row, read anyway,
    /// says when a newer job replaced it (<see cref="StoredJob.SupersededBy"/>, marked by the claim):
    /// one read. A remembered job is checked against the agent row again after <see cref="NewestJobFreshness"/>,
    /// in case the mark was lost.
    /// </summary>
    public async Task<StatusDocumentResult?> ForAgentAsync(string agentId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_newest.TryGetValue(agentId, out var remembered) && now - remembered.At < NewestJobFreshness && now >= remembered.At)
        {
            if (await ReadAsync(remembered.JobId, cancellationToken) is { SupersededBy: null } stored && stored.Job.AgentId == agentId)
            {
                return await DocumentAsync(stored, cancellationToken);
            }
        }

        if (await agents.FindNewestJobIdAsync(agentId, cancellationToken) is not { } newest)
        {
            _newest.TryRemove(agentId, out _);
            return null;
        }

        var job = await ReadAsync(newest, cancellationToken);
        if (job is null)
        {
            return null;
        }

        if (_newest.Count >= MaxRemembered)
        {
            _newest.Clear();
        }

        _newest[agentId] = new Remembered(newest, now);
        return await DocumentAsync(job, cancellationToken);
    }

    /// <summary>
    /// One request: the job row, or for a job seen running before, the job and its report row in
    /// one range read. The first read that finds a job running reads its report after it (once a
    /// job per process).
    /// </summary>
    private async Task<StoredJob?> ReadAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var known = _running.ContainsKey(jobId);
        var stored = await jobs.FindStoredAsync(jobId, withAgentReport: known, cancellationToken);
        if (stored is null || known || !AgentHealthReader.Shows(stored.Job))
        {
            return stored;
        }

        if (_running.Count >= MaxRemembered)
        {
            _running.Clear();
        }

        _running[jobId] = true;
        return stored with { AgentReport = await jobs.FindAgentReportAsync(jobId, cancellationToken) };
    }

    /// <summary>
    /// A running job also gets its agent's health (from its row: docs/agent-health.md); a job in
    /// flight, what earlier runs of its region and install mode say (from memory); an ended one neither.
    /// </summary>
    private async ValueTask<StatusDocumentResult> DocumentAsync(StoredJob stored, CancellationToken cancellationToken)
    {
        var job = stored.Job;
        var agentHealth = health.For(stored);
        var now = time.GetUtcNow();
        if (job.IsTerminal)
        {
            return new StatusDocumentResult(job, health: agentHealth, now: now);
        }

        var window = await timings.CachedAsync(job.Region, Timing.InstallModes.Of(job), cancellationToken);
        return new StatusDocumentResult(job, health: agentHealth, estimate: Timing.Eta.Estimate(job, window, now), now: now);
    }

    private sealed record Remembered(Guid JobId, DateTimeOffset At);

    /// <summary>
    /// What a job event stream reads each second (docs/events.md): one point read of the job row,
    /// and its version. The document is built from it as the status route builds it, but
    /// the window of earlier runs is read once per stream (and again only if the run's install mode
    /// changes), and the agent's health only once the job is running, its last event. Null when
    /// there is no such job.
    /// </summary>
    public async Task<StatusSnapshot?> SnapshotAsync(Guid jobId, StatusSnapshot? previous, CancellationToken cancellationToken)
    {
        if (await jobs.FindVersionedAsync(jobId, cancellationToken) is not (var job, var version))
        {
            return null;
        }

        var agentHealth = await health.ForAsync(job, cancellationToken);
        var now = time.GetUtcNow();
        if (job.IsTerminal)
        {
            return new StatusSnapshot(job, version, null, new StatusDocumentResult(job, health: agentHealth, now: now));
        }

        var mode = Timing.InstallModes.Of(job);
        var window = previous?.Window is { } known && known.Mode == mode
            ? known
            : new StatusSnapshot.ModeWindow(mode, await timings.CachedAsync(job.Region, mode, cancellationToken));
        return new StatusSnapshot(job, version, window, new StatusDocumentResult(job, health: agentHealth, estimate: Timing.Eta.Estimate(job, window.Window, now), now: now));
    }
}
