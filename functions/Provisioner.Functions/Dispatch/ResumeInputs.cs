using System.Globalization;

namespace Provisioner.Functions.Dispatch;

/// <summary>The <c>provision-agent.yml</c> inputs of the keep window and of a re-run from the failed step (docs/workflow.md).</summary>
internal static class ResumeInputs
{
    public const string KeepFailedServerMinutes = "keep_failed_server_minutes";
    public const string ResumeFrom = "resume_from";
    public const string ServerId = "server_id";

    /// <summary>
    /// Adds the keep window to every dispatch (the backend's setting is the workflow's only
    /// source of it) and, for a re-run, the step and the server; a run from the start leaves
    /// the last two out.
    /// </summary>
    public static void AddTo(IDictionary<string, object> workflowInputs, WorkflowInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(workflowInputs);
        ArgumentNullException.ThrowIfNull(inputs);
        workflowInputs[KeepFailedServerMinutes] = inputs.KeepFailedServerMinutes.ToString(CultureInfo.InvariantCulture);
        if (inputs is { ResumeFrom: { } from, ServerId: { } serverId })
        {
            workflowInputs[ResumeFrom] = from;
            workflowInputs[ServerId] = serverId;
        }
    }
}
