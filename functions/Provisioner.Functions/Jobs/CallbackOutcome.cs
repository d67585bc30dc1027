namespace Provisioner.Functions.Jobs;

/// <summary>What applying one callback to a job leads to.</summary>
internal abstract record CallbackOutcome
{
    private CallbackOutcome()
    {
    }

    /// <summary>The callback is accepted. <see cref="Changed"/> is false when it adds nothing (late, duplicate, or the job is terminal).</summary>
    public sealed record Accepted(Job Job, bool Changed) : CallbackOutcome;

    /// <summary>The callback comes from a workflow run other than the one that claimed the job, or claims a job that has already ended.</summary>
    public sealed record ClaimRefused(string Reason) : CallbackOutcome;
}
