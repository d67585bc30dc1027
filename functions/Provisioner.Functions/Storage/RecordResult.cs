using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

internal abstract record RecordResult
{
    private RecordResult()
    {
    }

    /// <param name="Before">The job as it was read before the callback was applied.</param>
    public sealed record Recorded(Job Job, bool Changed, Job Before) : RecordResult;

    /// <summary>This callback was recorded before: acknowledged, nothing applied again.</summary>
    public sealed record Duplicate : RecordResult;

    public sealed record UnknownJob : RecordResult;

    public sealed record Refused(string Reason) : RecordResult;
}
