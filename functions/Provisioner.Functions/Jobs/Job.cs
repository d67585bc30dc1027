namespace Provisioner.Functions.Jobs;

/// <summary>
/// Everything known about one provisioning run. Facts only accumulate: a value, once set, is
/// not replaced, a time only moves to an earlier one seen, and a terminal job (running or
/// failed) keeps its status while it still takes the facts it lacks. That makes applying one
/// run's callbacks order-insensitive and idempotent (see <see cref="JobTransitions"/>).
/// </summary>
internal sealed record Job
{
    public required Guid JobId { get; init; }
    public required string AgentId { get; init; }
    public required string Region { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? DispatchedAt { get; init; }
    public DateTimeOffset? ProvisioningAt { get; init; }
    public DateTimeOffset? VmCreatedAt { get; init; }
    public DateTimeOffset? AnsibleStartedAt { get; init; }
    public DateTimeOffset? AnsibleCompleteAt { get; init; }
    public DateTimeOffset? RunningAt { get; init; }
    public DateTimeOffset? LastHeartbeatAt { get; init; }

    public JobFailure? Failure { get; init; }
    public ServerInfo? Server { get; init; }
    public string? WorkflowRunId { get; init; }
    public string? WorkflowRunUrl { get; init; }
    public bool? UsedSnapshot { get; init; }
    public string? Mode { get; init; }

    /// <summary>What the run is waiting for, as GitHub last said (<c>runner</c>); null when not waiting or not known (docs/reconcile.md).</summary>
    public string? WaitingFor { get; init; }

    /// <summary>When GitHub last said the run is in progress: it defers the silence deadline, never the total one (docs/reconcile.md).</summary>
    public DateTimeOffset? RunAliveAt { get; init; }

    /// <summary>Who created the job; null when it was created without sign-in.</summary>
    public Creator? CreatedBy { get; init; }

    /// <summary>When a person asked to cancel the job (see Cancellation).</summary>
    public DateTimeOffset? CancelRequestedAt { get; init; }

    /// <summary>When the job ended as cancelled.</summary>
    public DateTimeOffset? CancelledAt { get; init; }

    /// <summary>False when the sweeper ended a cancel that the workflow's clean-up never confirmed.</summary>
    public bool? CancelConfirmed { get; init; }

    /// <summary>When GitHub accepted the request to cancel the workflow run (so it is sent once).</summary>
    public DateTimeOffset? CancelSentAt { get; init; }

    /// <summary>
    /// When the cancel's message failed every delivery and was moved to the poison queue, its
    /// send not done: what failed, kept on the job; the sweeper sends the cancel again (Lifecycle/CancelResend).
    /// </summary>
    public DateTimeOffset? CancelSendFailedAt { get; init; }

    /// <summary>Which attempt for its agent this job is, 1-based (see Lifecycle/RetryHandler).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The job this one retried.</summary>
    public Guid? PreviousJobId { get; init; }

    /// <summary>The job that retried this one.</summary>
    public Guid? NextJobId { get; init; }

    /// <summary>Until when the failed run's clean-up keeps the server for a re-run from the failed step (Resume/KeptServer); null when it was not kept.</summary>
    public DateTimeOffset? ServerKeptUntil { get; init; }

    /// <summary>For a re-run from the failed step: where the run starts (<c>install</c> or <c>configure</c>); null for a run from the start.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>For a re-run from the failed step: the kept server the run reuses.</summary>
    public string? ResumeServerId { get; init; }
    /// <summary>Provision (the default) or deprovision (Teardown/): which steps it shows and which workflow it dispatches.</summary>
    public JobKind Kind { get; init; } = JobKind.Provision;

    /// <summary>A deprovision job: the provision job whose server (<see cref="Server"/>) it removes.</summary>
    public Guid? RemovesServerOfJobId { get; init; }

    /// <summary>A deprovision job: why it was started (<see cref="Deprovision.Requested"/>, <see cref="Deprovision.HoldExpired"/>).</summary>
    public string? DeprovisionReason { get; init; }

    /// <summary>A provision job: when a deprovision job reported its server removed.</summary>
    public DateTimeOffset? ServerRemovedAt { get; init; }

    /// <summary>A provision job: the deprovision job that removed its server.</summary>
    public Guid? ServerRemovedByJobId { get; init; }

    /// <summary>A provision job: the lifetime asked for at creation, whole minutes counted from Running (Lifetimes); null: no end.</summary>
    public int? TtlMinutes { get; init; }

    /// <summary>A provision job: the end an Operator set (PATCH /api/agents/{agent_id}/server), which replaces the one of <see cref="TtlMinutes"/>.</summary>
    public DateTimeOffset? ExpiresAtOverride { get; init; }

    /// <summary>The Hetzner server type and location the run created (its <c>vm_created</c>); null when not reported.</summary>
    public string? ServerType { get; init; }

    public string? Location { get; init; }

    /// <summary>What that type costs in that location, as the run read it from Hetzner (Costs, docs/cost.md); null when not reported.</summary>
    public ServerPrice? Price { get; init; }

    public JobStatus Status =>
        CancelledAt is not null ? JobStatus.Cancelled
        : Failure is not null ? JobStatus.Failed
        : RunningAt is not null ? JobStatus.Running
        : CancelRequestedAt is not null ? JobStatus.Cancelling
        : Furthest >= Milestone.Provisioning ? JobStatus.Provisioning
        : JobStatus.Queued;

    public bool IsTerminal => Failure is not null || RunningAt is not null || CancelledAt is not null;

    /// <summary>
    /// Whether the workflow run itself has reported: a milestone, a heartbeat, a server or its
    /// own failure. A run id alone does not count: the dispatch call returns one before the run
    /// has even found a runner.
    /// </summary>
    public bool RunReported =>
        ProvisioningAt is not null || VmCreatedAt is not null || AnsibleStartedAt is not null || AnsibleCompleteAt is not null
        || RunningAt is not null || LastHeartbeatAt is not null || Failure is { ByWorkflow: true }
        || (Server is not null && Kind == JobKind.Provision); // a deprovision job is created knowing the server it removes

    /// <summary>The furthest milestone with a recorded time (Queued at least).</summary>
    public Milestone Furthest
    {
        get
        {
            for (var m = Milestone.Running; m > Milestone.Queued; m--)
            {
                if (TimeOf(m) is not null)
                {
                    return m;
                }
            }

            return Milestone.Queued;
        }
    }

    public DateTimeOffset? TimeOf(Milestone milestone) => milestone switch
    {
        Milestone.Queued => CreatedAt,
        Milestone.Provisioning => ProvisioningAt,
        Milestone.VmCreated => VmCreatedAt,
        Milestone.AnsibleStarted => AnsibleStartedAt,
        Milestone.AnsibleComplete => AnsibleCompleteAt,
        Milestone.Running => RunningAt,
        _ => throw new ArgumentOutOfRangeException(nameof(milestone), milestone, null),
    };

    public Job WithTime(Milestone milestone, DateTimeOffset at) => milestone switch
    {
        Milestone.Provisioning => this with { ProvisioningAt = at },
        Milestone.VmCreated => this with { VmCreatedAt = at },
        Milestone.AnsibleStarted => this with { AnsibleStartedAt = at },
        Milestone.AnsibleComplete => this with { AnsibleCompleteAt = at },
        Milestone.Running => this with { RunningAt = at },
        _ => throw new ArgumentOutOfRangeException(nameof(milestone), milestone, "only callbacks set milestone times"),
    };

    public static Job Create(Guid jobId, string agentId, string region, DateTimeOffset now) => new()
    {
        JobId = jobId,
        AgentId = agentId,
        Region = region,
        CreatedAt = now,
        UpdatedAt = now,
    };
}
