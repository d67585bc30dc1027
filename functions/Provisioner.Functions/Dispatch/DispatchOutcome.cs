namespace Provisioner.Functions.Dispatch;

internal abstract record DispatchOutcome
{
    private DispatchOutcome()
    {
    }

    /// <summary>The run was requested; its id and page when the API said them.</summary>
    public sealed record Dispatched(string? RunId, string? RunUrl) : DispatchOutcome;

    /// <summary>GitHub refused for a reason a retry cannot fix; <see cref="Message"/> tells the operator what to fix.</summary>
    public sealed record Rejected(string Message) : DispatchOutcome;
}
