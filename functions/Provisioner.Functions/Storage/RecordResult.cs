using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

public abstract record RecordResult
{
    private RecordResult()
    {
    }

    public sealed record Recorded(Job Job, bool Changed) : RecordResult;

    /// <summary>This callback was recorded before: acknowledged, nothing applied again.</summary>
    public sealed record Duplicate : RecordResult;

    public sealed record UnknownJob : RecordResult;

    public sealed record Refused(string Reason) : RecordResult;
}
