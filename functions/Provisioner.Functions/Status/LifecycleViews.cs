namespace Provisioner.Functions.Status;

/// <summary>What the status document says about a job's cancel.</summary>
internal static class LifecycleViews
{
    /// <summary>The <c>error</c> of a job the sweeper ended as cancelled because its clean-up never confirmed; null otherwise.</summary>
    public static StatusDocument.ErrorView? CancelError(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job is not { CancelledAt: not null, CancelConfirmed: false })
        {
            return null;
        }

        var step = DeprovisionSteps.StepIdOf(job, JobTransitions.ActiveStep(job));
        return new StatusDocument.ErrorView(
            "The job was cancelled, but the workflow's clean-up never confirmed it: check the workflow run and the cloud console for a server or Tailscale device left behind.",
            step,
            step,
            Cancellation.UnconfirmedReason,
            null);
    }
}
