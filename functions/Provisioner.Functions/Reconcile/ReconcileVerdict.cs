namespace Provisioner.Functions.Reconcile;

/// <summary>What one question to GitHub about a job's run led to.</summary>
internal enum ReconcileVerdict
{
    /// <summary>Not asked, or no usable answer (rate limit, GitHub unreachable, a refusal): the deadlines decide as before.</summary>
    Skipped,

    /// <summary>The run waits for a runner: the document says so; not a failure yet.</summary>
    WaitingForRunner,

    /// <summary>The run is in progress: a sign of life (it defers the silence deadline, never the total one).</summary>
    InProgress,

    /// <summary>The run ended without the job hearing of it, or there is no run: the job was failed with GitHub's reason.</summary>
    Failed,

    /// <summary>GitHub's answer needed nothing changed (the job ended meanwhile, or an unknown status).</summary>
    Unchanged,
}
