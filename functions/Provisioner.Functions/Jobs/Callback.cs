namespace Provisioner.Functions.Jobs;

/// <summary>A callback from the workflow, parsed and validated (see <see cref="CallbackParser"/>).</summary>
internal sealed record Callback
{
    public required Guid JobId { get; init; }
    public required CallbackKind Kind { get; init; }

    /// <summary>For <see cref="CallbackKind.Progress"/>: Provisioning, VmCreated, AnsibleStarted or AnsibleComplete.</summary>
    public Milestone? Milestone { get; init; }

    /// <summary>Set on the claim callback: the run that claims the job.</summary>
    public string? WorkflowRunId { get; init; }
    public string? WorkflowRunUrl { get; init; }
    public ServerInfo? Server { get; init; }
    public bool? UsedSnapshot { get; init; }
    public string? Mode { get; init; }

    /// <summary>For <c>vm_created</c>: the Hetzner server type and location the run created (docs/cost.md).</summary>
    public string? ServerType { get; init; }
    public string? Location { get; init; }

    /// <summary>For <c>vm_created</c>: that type's price in that location (ServerPrices); null when not sent or dropped.</summary>
    public ServerPrice? Price { get; init; }

    /// <summary>Why a <c>price</c> the callback carried was dropped (malformed); null otherwise. Never a reason to refuse the callback.</summary>
    public string? PriceDropped { get; init; }

    /// <summary>For <see cref="CallbackKind.Failed"/>: the reported error text.</summary>
    public string? Error { get; init; }
    public string? FailedStep { get; init; }
    public string? Step { get; init; }

    /// <summary>For <see cref="CallbackKind.Failed"/>: until when the clean-up keeps the server (<c>server_kept_until</c>), bounded by the backend (Resume/KeptServer).</summary>
    public DateTimeOffset? ServerKeptUntil { get; init; }
    /// <summary>
    /// A <c>running</c> callback that names only its <c>server_id</c>, as a deprovision job's
    /// success does: what a provision job is answered (400), since its success must say where the
    /// server is. Null for every other callback.
    /// </summary>
    public string? AddressesMissing { get; init; }

    /// <summary>The name stored with the step row: the step, the status or <c>heartbeat</c>.</summary>
    public string Describe() => Kind switch
    {
        CallbackKind.Heartbeat => "heartbeat",
        CallbackKind.Running => "running",
        CallbackKind.Failed => "failed",
        _ => Milestone is { } m && m != Jobs.Milestone.Provisioning ? StepNames.OfMilestone(m)! : "provisioning",
    };
}
