namespace Provisioner.Functions.Jobs;

/// <summary>
/// What a server has cost, pure (docs/cost.md), the way Hetzner bills it: every started hour the
/// server exists, at the hourly price, and never more in a calendar month than the monthly price. A server
/// counts from its <c>vm_created</c> until a deprovision job reported it removed; the server of a
/// run that failed or was cancelled without being kept counts until that end, as the run's
/// clean-up deletes it then.
/// </summary>
internal static class Costs
{
    /// <summary>The cost of <paramref name="job"/>'s server at <paramref name="now"/>; null when no price is known.</summary>
    public static JobSummary.CostView? Of(Job job, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job is not { Kind: JobKind.Provision, Price: { } price })
        {
            return null;
        }

        var since = job.VmCreatedAt ?? job.ProvisioningAt ?? job.CreatedAt;
        var removedAt = RemovedAt(job);
        var until = removedAt ?? (now > since ? now : since);
        var soFar = Billed(price.HourlyGross, price.MonthlyGross, since, until);
        return new JobSummary.CostView(
            price.Currency,
            ServerPrice.Text(price.HourlyGross),
            since,
            ServerPrice.Text(soFar),
            removedAt is null ? null : ServerPrice.Text(soFar));
    }

    /// <summary>When the server stopped existing; null while it exists.</summary>
    public static DateTimeOffset? RemovedAt(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.ServerRemovedAt is { } removed)
        {
            return removed;
        }

        // A run that ended without the server (failed or cancelled, not kept): its clean-up deletes it.
        return job.RunningAt is null && job.ServerKeptUntil is null ? job.Failure?.At ?? job.CancelledAt : null;
    }

    /// <summary>
    /// What Hetzner bills from <paramref name="since"/> to <paramref name="until"/>: every started
    /// hour (at least one) at the hourly price, each calendar month (UTC) of them capped at the
    /// monthly price; an hour counts in the month it starts in.
    /// </summary>
    public static decimal Billed(decimal hourly, decimal monthlyCap, DateTimeOffset since, DateTimeOffset until)
    {
        var hours = StartedHours(since, until);
        var end = since.AddTicks(hours * TimeSpan.TicksPerHour); // after the last started hour
        var total = 0m;
        var month = new DateTimeOffset(since.UtcDateTime.Year, since.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
        while (month < end)
        {
            var next = month.AddMonths(1);
            var inMonth = StartsBefore(since, next < end ? next : end) - StartsBefore(since, month > since ? month : since);
            var charge = hourly * inMonth;
            total += charge < monthlyCap ? charge : monthlyCap;
            month = next;
        }

        return total;
    }

    /// <summary>How many hours that began at <paramref name="since"/> + whole hours start before <paramref name="t"/>.</summary>
    private static long StartsBefore(DateTimeOffset since, DateTimeOffset t)
    {
        var ticks = (t - since).Ticks;
        return ticks <= 0 ? 0 : (ticks + TimeSpan.TicksPerHour - 1) / TimeSpan.TicksPerHour;
    }

    /// <summary>Hours begun from <paramref name="since"/> to <paramref name="until"/>: one from the first moment, another at each full hour.</summary>
    public static long StartedHours(DateTimeOffset since, DateTimeOffset until)
    {
        var ticks = Math.Max(0, (until - since).Ticks);
        return Math.Max(1, (ticks + TimeSpan.TicksPerHour - 1) / TimeSpan.TicksPerHour);
    }
}
