namespace Provisioner.Functions.Jobs;

/// <summary>
/// Quotas per person, pure (docs/quotas.md): <c>QUOTA_SERVERS_PER_PERSON</c> servers held (in
/// flight, running or held, not yet removed) and <c>QUOTA_CREATES_PER_HOUR_PER_PERSON</c> creates in
/// any hour. The state is one person's counter row; the caller writes it under its ETag, so two
/// admissions that race are decided one after the other.
/// </summary>
internal static class Quotas
{
    public const string ServersPolicy = "servers";
    public const string CreatesPolicy = "creates";
    public static readonly TimeSpan CreatesWindow = TimeSpan.FromHours(1);

    /// <summary>The key of a person's counter: their object id; one shared bucket when sign-in is off.</summary>
    public static string PersonOf(Creator? createdBy) => createdBy?.Id is { Length: > 0 } id ? "p-" + Sanitize(id) : "anonymous";

    /// <summary>Admits <paramref name="jobId"/> (the state then holds it and counts its create) or says which quota refuses it.</summary>
    public static QuotaDecision Admit(QuotaState state, Guid jobId, DateTimeOffset now, QuotaLimits limits)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(limits);
        var creates = state.Creates.Where(at => at > now - CreatesWindow).Order().ToList();
        if (state.Holding.Any(h => h.JobId == jobId))
        {
            return new QuotaDecision.Admitted(state with { Creates = creates }); // the same create again (its Idempotency-Key)
        }

        if (limits.ServersPerPerson is { } servers && state.Holding.Count >= servers)
        {
            return new QuotaDecision.Refused(ServersPolicy, servers, null, null);
        }

        if (limits.CreatesPerHour is { } perHour && creates.Count >= perHour)
        {
            var reset = creates[creates.Count - perHour] + CreatesWindow - now;
            return new QuotaDecision.Refused(CreatesPolicy, perHour, CreatesWindow, (int)Math.Ceiling(Math.Max(1, reset.TotalSeconds)));
        }

        // Only what a quota that is set needs: so each list holds at most its limit (QuotaOptions.Max),
        // and the counter row stays far below Table Storage's 64 KiB a property.
        return new QuotaDecision.Admitted(new QuotaState(
            limits.ServersPerPerson is null ? state.Holding : [.. state.Holding, new QuotaHold(jobId, now)],
            limits.CreatesPerHour is null ? creates : [.. creates, now]));
    }

    /// <summary>The state without <paramref name="jobId"/>'s server; null when it did not hold one (nothing to write).</summary>
    public static QuotaState? Release(QuotaState state, Guid jobId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Holding.Any(h => h.JobId == jobId) ? state with { Holding = [.. state.Holding.Where(h => h.JobId != jobId)] } : null;
    }

    /// <summary>How long an admitted job may have no job row before the repair stops counting it (a create that stopped between the two writes).</summary>
    public static readonly TimeSpan OrphanGrace = TimeSpan.FromMinutes(10);

    /// <summary>Whether <paramref name="job"/> no longer holds a server: removed, or its run ended without one.</summary>
    public static bool ServerGone(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Kind == JobKind.Provision && Costs.RemovedAt(job) is not null;
    }

    /// <summary>The <c>RateLimit-Policy</c> field (IETF draft httpapi-ratelimit-headers): each quota that is set.</summary>
    public static string PolicyField(QuotaLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var items = new List<string>(2);
        if (limits.ServersPerPerson is { } servers)
        {
            items.Add(FormattableString.Invariant($"\"{ServersPolicy}\";q={servers}"));
        }

        if (limits.CreatesPerHour is { } perHour)
        {
            items.Add(FormattableString.Invariant($"\"{CreatesPolicy}\";q={perHour};w={(int)CreatesWindow.TotalSeconds}"));
        }

        return string.Join(", ", items);
    }

    /// <summary>The <c>RateLimit</c> field for the quota that refused: nothing remains, and when it resets.</summary>
    public static string RateLimitField(QuotaDecision.Refused refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        return refused.ResetSeconds is { } t
            ? FormattableString.Invariant($"\"{refused.Policy}\";r=0;t={t}")
            : FormattableString.Invariant($"\"{refused.Policy}\";r=0");
    }

    private static string Sanitize(string id) =>
        new([.. id.Take(128).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}

/// <summary>One person's counter: the provision jobs that hold a server, and when their creates of the last hour were admitted.</summary>
internal sealed record QuotaState(IReadOnlyList<QuotaHold> Holding, IReadOnlyList<DateTimeOffset> Creates)
{
    public static QuotaState Empty { get; } = new([], []);
}

/// <summary>A provision job counted against its creator's servers, since it was admitted.</summary>
internal sealed record QuotaHold(Guid JobId, DateTimeOffset At);

/// <summary>The quotas as set (null: none).</summary>
internal sealed record QuotaLimits(int? ServersPerPerson, int? CreatesPerHour)
{
    public bool Any => ServersPerPerson is not null || CreatesPerHour is not null;
}

internal abstract record QuotaDecision
{
    private QuotaDecision()
    {
    }

    public sealed record Admitted(QuotaState Next) : QuotaDecision;

    /// <param name="Policy">Which quota: <see cref="Quotas.ServersPolicy"/> or <see cref="Quotas.CreatesPolicy"/>.</param>
    /// <param name="Limit">Its size.</param>
    /// <param name="Window">Its window (creates); null for the servers held.</param>
    /// <param name="ResetSeconds">When waiting helps: seconds until a create leaves the window; null when only a removal helps.</param>
    public sealed record Refused(string Policy, int Limit, TimeSpan? Window, int? ResetSeconds) : QuotaDecision;
}
