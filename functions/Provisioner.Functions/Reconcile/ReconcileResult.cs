using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Reconcile;

/// <summary>The job as stored after asking GitHub, what the answer led to, and whether it was a free <c>304</c>.</summary>
internal sealed record ReconcileResult(Job Job, ReconcileVerdict Verdict, bool NotModified);
