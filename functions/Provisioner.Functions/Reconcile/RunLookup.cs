namespace Provisioner.Functions.Reconcile;

/// <summary>What asking GitHub about a job's run gave.</summary>
internal abstract record RunLookup
{
    private RunLookup()
    {
    }

    /// <summary>The run, the answer's <c>ETag</c>, and whether GitHub answered <c>304 Not Modified</c> (the stored answer stands, the rate limit untouched).</summary>
    public sealed record Found(WorkflowRun Run, string? ETag, bool NotModified) : RunLookup;

    /// <summary>GitHub has no such run: the id it was asked about is unknown to it, or no run carries the job's id.</summary>
    public sealed record Missing(string What) : RunLookup;
}
