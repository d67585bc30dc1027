namespace Provisioner.Functions.Status;

/// <summary>
/// A job's status document as an event stream sees it: the job, its row's version (which every
/// write moves forward), the window of earlier runs the estimate came from, and the document.
/// </summary>
internal sealed record StatusSnapshot(Job Job, DateTimeOffset Version, StatusSnapshot.ModeWindow? Window, StatusDocumentResult Document)
{
    /// <summary>The window of earlier runs of the job's region and install mode.</summary>
    internal sealed record ModeWindow(string Mode, Timing.StepWindow Window);
}
