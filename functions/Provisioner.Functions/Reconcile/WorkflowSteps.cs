using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Reconcile;

/// <summary>
/// Which of the five projected steps a step of <c>provision-agent.yml</c> belongs to: the one
/// place that knows the workflow's step names (a test holds it to the file). A step before
/// the first of Creating Server's leaves the job on Queued; the failure then carries no phase
/// word and sits on the step the job had reached.
/// </summary>
internal static class WorkflowSteps
{
    /// <summary>The name of the GitHub Actions job that provisions (<c>jobs.provision.name</c>).</summary>
    public const string ProvisionJob = "Provision";

    /// <summary>(step name in the workflow, projected step index, the workflow's own phase word or null).</summary>
    public static IReadOnlyList<(string Name, int StepIndex, string? Phase)> ProvisionSteps { get; } =
    [
        ("Set up job", 0, null), // GitHub's own first step
        ("Check out the scripts and playbooks", 0, null),
        ("Check the inputs", 0, null),
        ("Name the attempt", 0, null),
        ("Claim the job", 0, null),
        ("Start the heartbeat", 0, null),
        ("Set up Ansible on the runner", StepNames.CreatingStep, "provision"),
        ("Join the tailnet (the server's SSH is reachable only there)", StepNames.CreatingStep, "provision"),
        ("Create the server", StepNames.CreatingStep, "provision"),
        ("Adopt the kept server (a re-run from the failed step)", StepNames.CreatingStep, "provision"),
        ("Report vm_created", StepNames.CreatingStep, "provision"),
        ("Install dependencies on the server", StepNames.InstallingStep, "install"),
        ("Report ansible_started", StepNames.InstallingStep, "install"),
        ("Configure the agent", StepNames.ConfiguringStep, "configure"),
        ("Report ansible_complete", StepNames.ConfiguringStep, "configure"),
        ("Stop the heartbeat", StepNames.RunningStep, null),
        ("Hand the server over for a re-run from the failed step", StepNames.RunningStep, null), // continue-on-error: never the step that failed
        ("Report running", StepNames.RunningStep, null),
    ];

    /// <summary>The projected step and phase word of a workflow step; null for a name this workflow does not have (GitHub's post steps, another workflow).</summary>
    public static (int StepIndex, string? Phase)? Of(string? stepName)
    {
        foreach (var (name, index, phase) in ProvisionSteps)
        {
            if (string.Equals(name, stepName?.Trim(), StringComparison.Ordinal))
            {
                return (index, phase);
            }
        }

        return null;
    }
}
