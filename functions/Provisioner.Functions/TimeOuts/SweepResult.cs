namespace Provisioner.Functions.TimeOuts;

/// <summary>
/// What one sweep did: jobs looked at, failed as timed out, and entries dropped because their
/// job had ended; then how many jobs GitHub was asked about, how many of those answers were a
/// free <c>304</c>, and how many jobs GitHub's answer failed (docs/reconcile.md); and how many jobs
/// were skipped because reading or moving them threw (logged with their id, tried again next sweep).
/// </summary>
internal readonly record struct SweepResult(int Watched, int TimedOut, int Released, int Reconciled = 0, int NotModified = 0, int FailedByGitHub = 0)
{
    public int Skipped { get; init; }
}
