using Microsoft.Extensions.Options;
using Provisioner.Functions.Dispatch;
using Provisioner.Functions.Configuration;

namespace Provisioner.Functions.ReceiveCallback;

/// <summary>
/// What the backend adds to a proven callback as it receives it: the time it was received, the
/// run's address built from <c>GITHUB_OWNER</c>, <c>GITHUB_REPO</c> and the run id (a
/// <c>workflow_run_url</c> in the body is dropped, so the page never links where a body says),
/// and the keep window bounded by <c>KEEP_FAILED_SERVER_MINUTES</c> (<see cref="KeptServer.Bound"/>).
/// </summary>
internal sealed class CallbackCompletion(IOptions<GitHubOptions> dispatch, IOptions<KeepServerOptions> keep, TimeProvider time)
{
    public (Callback Callback, DateTimeOffset ReceivedAt) Complete(Callback callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var receivedAt = time.GetUtcNow();
        var linked = callback with { WorkflowRunUrl = callback.WorkflowRunId is { } runId ? WorkflowRunLink.For(dispatch.Value, runId) : null };
        return (KeptServer.Bound(linked, new KeepPolicy(keep.Value.KeepFailedServerMinutes), receivedAt), receivedAt);
    }
}
