using Microsoft.Extensions.Options;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>
/// What the backend adds to a proven callback as it receives it: the time it was received, the
/// run's address for a claim that sent none (older workflows), and the keep window bounded by
/// <c>KEEP_FAILED_SERVER_MINUTES</c> (<see cref="KeptServer.Bound"/>).
/// </summary>
internal sealed class CallbackCompletion(IOptions<GitHubOptions> dispatch, IOptions<KeepServerOptions> keep, TimeProvider time)
{
    public (Callback Callback, DateTimeOffset ReceivedAt) Complete(Callback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var receivedAt = time.GetUtcNow();
        var linked = callback is { Kind: CallbackKind.Progress, Milestone: Milestone.Provisioning, WorkflowRunId: { } runId, WorkflowRunUrl: null }
            ? callback with { WorkflowRunUrl = WorkflowRunLink.For(dispatch.Value, runId) }
            : callback;
        return (KeptServer.Bound(linked, new KeepPolicy(keep.Value.KeepFailedServerMinutes), receivedAt), receivedAt);
    }
}
