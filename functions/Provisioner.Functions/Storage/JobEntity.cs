using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

/// <summary>A job's projection row: PartitionKey = job id, RowKey = <see cref="Row"/>.</summary>
internal sealed class JobEntity : ITableEntity
{
    public const string Row = "job";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string AgentId { get; set; } = "";
    public string Region { get; set; } = "";
    public string Status { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    public DateTimeOffset? ProvisioningAt { get; set; }
    public DateTimeOffset? VmCreatedAt { get; set; }
    public DateTimeOffset? AnsibleStartedAt { get; set; }
    public DateTimeOffset? AnsibleCompleteAt { get; set; }
    public DateTimeOffset? RunningAt { get; set; }
    public DateTimeOffset? LastHeartbeatAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ReportedFailedStep { get; set; }
    public int? FailedStepIndex { get; set; }
    public bool? FailedByWorkflow { get; set; }
    public bool? FailedStepNamed { get; set; }

    /// <summary>
    /// The failure's reason code (<see cref="FailureReasons"/>). Rows written before it existed
    /// have none: a workflow's failure reads as <c>workflow</c>, a backend failure as no reason.
    /// </summary>
    public string? FailureReason { get; set; }
    public string? ServerId { get; set; }
    public string? ServerIp { get; set; }
    public string? TailscaleIp { get; set; }
    public string? WorkflowRunId { get; set; }
    public string? WorkflowRunUrl { get; set; }
    public bool? UsedSnapshot { get; set; }
    public string? Mode { get; set; }
    public string? FailureLogUrl { get; set; }
    public string? WaitingFor { get; set; }
    public DateTimeOffset? RunAliveAt { get; set; }
    public string? CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public DateTimeOffset? CancelRequestedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public bool? CancelConfirmed { get; set; }
    public DateTimeOffset? CancelSentAt { get; set; }
    public DateTimeOffset? CancelSendFailedAt { get; set; }
    public int? Attempt { get; set; }
    public Guid? PreviousJobId { get; set; }
    public Guid? NextJobId { get; set; }
    public DateTimeOffset? ServerKeptUntil { get; set; }
    public string? ResumeFrom { get; set; }
    public string? ResumeServerId { get; set; }

    /// <summary><c>deprovision</c>, or none for a provision job (rows written before kinds existed are all provision jobs).</summary>
    public string? Kind { get; set; }
    public Guid? RemovesServerOfJobId { get; set; }
    public DateTimeOffset? ServerRemovedAt { get; set; }
    public Guid? ServerRemovedByJobId { get; set; }

    public string? DeprovisionReason { get; set; }

    /// <summary>
    /// The agent's last health report for this job, as AgentHealth wrote it (opaque here). Only
    /// on the job's side row <see cref="ReportRow"/>, never on the job row: a report changes
    /// nothing of the job. That row sorts just before <see cref="Row"/>, so one range read of the
    /// partition returns both (<see cref="JobStore.FindStoredAsync"/>).
    /// </summary>
    public string? AgentReport { get; set; }

    /// <summary>
    /// A side property of the job row: the job that replaced this one as its agent's newest (set
    /// by the claim that made it so, see AgentStore). No job write sets it; every job write keeps
    /// it (<see cref="Keeping"/>).
    /// </summary>
    public Guid? SupersededBy { get; set; }

    /// <summary>The RowKey of the side row holding <see cref="AgentReport"/>.</summary>
    public const string ReportRow = "health";

    /// <summary>This row with the side property of <paramref name="stored"/>: a job write must not drop it.</summary>
    public JobEntity Keeping(JobEntity stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        SupersededBy = stored.SupersededBy;
        return this;
    }

    public int? TtlMinutes { get; set; }

    public DateTimeOffset? ExpiresAtOverride { get; set; }

    public string? ServerType { get; set; }

    public string? ServerLocation { get; set; }

    /// <summary>The price as decimal strings (invariant), so no amount goes through a double.</summary>
    public string? PriceHourlyNet { get; set; }

    public string? PriceHourlyGross { get; set; }

    public string? PriceMonthlyNet { get; set; }

    public string? PriceMonthlyGross { get; set; }

    public string? PriceCurrency { get; set; }

    public static JobEntity From(Job job, ETag etag = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JobEntity
        {
            PartitionKey = Key(job.JobId),
            ETag = etag,
            AgentId = job.AgentId,
            Region = job.Region,
            Status = job.Status.ToString().ToLowerInvariant(),
            CreatedAt = job.CreatedAt,
            UpdatedAt = job.UpdatedAt,
            DispatchedAt = job.DispatchedAt,
            ProvisioningAt = job.ProvisioningAt,
            VmCreatedAt = job.VmCreatedAt,
            AnsibleStartedAt = job.AnsibleStartedAt,
            AnsibleCompleteAt = job.AnsibleCompleteAt,
            RunningAt = job.RunningAt,
            LastHeartbeatAt = job.LastHeartbeatAt,
            FailedAt = job.Failure?.At,
            ErrorMessage = job.Failure?.Message,
            ReportedFailedStep = job.Failure?.ReportedStep,
            FailedStepIndex = job.Failure?.StepIndex,
            FailedByWorkflow = job.Failure?.ByWorkflow,
            FailedStepNamed = job.Failure?.StepNamed,
            FailureReason = job.Failure?.Reason?.Code(),
            ServerId = job.Server?.Id,
            ServerIp = job.Server?.Ip,
            TailscaleIp = job.Server?.TailscaleIp,
            WorkflowRunId = job.WorkflowRunId,
            WorkflowRunUrl = job.WorkflowRunUrl,
            UsedSnapshot = job.UsedSnapshot,
            Mode = job.Mode,
            FailureLogUrl = job.Failure?.LogUrl,
            WaitingFor = job.WaitingFor,
            RunAliveAt = job.RunAliveAt,
            CreatedById = job.CreatedBy?.Id,
            CreatedByName = job.CreatedBy?.Name,
            CancelRequestedAt = job.CancelRequestedAt,
            CancelledAt = job.CancelledAt,
            CancelConfirmed = job.CancelConfirmed,
            CancelSentAt = job.CancelSentAt,
            CancelSendFailedAt = job.CancelSendFailedAt,
            Attempt = job.Attempt,
            PreviousJobId = job.PreviousJobId,
            NextJobId = job.NextJobId,
            ServerKeptUntil = job.ServerKeptUntil,
            ResumeFrom = job.ResumeFrom,
            ResumeServerId = job.ResumeServerId,
            Kind = job.Kind == JobKind.Deprovision ? "deprovision" : null,
            RemovesServerOfJobId = job.RemovesServerOfJobId,
            ServerRemovedAt = job.ServerRemovedAt,
            ServerRemovedByJobId = job.ServerRemovedByJobId,
            DeprovisionReason = job.DeprovisionReason,
            TtlMinutes = job.TtlMinutes,
            ExpiresAtOverride = job.ExpiresAtOverride,
            ServerType = job.ServerType,
            ServerLocation = job.Location,
            PriceHourlyNet = job.Price is { } p1 ? ServerPrice.Text(p1.HourlyNet) : null,
            PriceHourlyGross = job.Price is { } p2 ? ServerPrice.Text(p2.HourlyGross) : null,
            PriceMonthlyNet = job.Price is { } p3 ? ServerPrice.Text(p3.MonthlyNet) : null,
            PriceMonthlyGross = job.Price is { } p4 ? ServerPrice.Text(p4.MonthlyGross) : null,
            PriceCurrency = job.Price?.Currency,
        };
    }

    public Job ToJob() => new()
    {
        JobId = Guid.Parse(PartitionKey),
        AgentId = AgentId,
        Region = Region,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        DispatchedAt = DispatchedAt,
        ProvisioningAt = ProvisioningAt,
        VmCreatedAt = VmCreatedAt,
        AnsibleStartedAt = AnsibleStartedAt,
        AnsibleCompleteAt = AnsibleCompleteAt,
        RunningAt = RunningAt,
        LastHeartbeatAt = LastHeartbeatAt,
        Failure = FailedAt is { } at ? new JobFailure(at, ErrorMessage ?? "", ReportedFailedStep, FailedStepIndex ?? 0, FailedByWorkflow ?? false, FailedStepNamed ?? StepNames.StepOfFailure(ReportedFailedStep) is not null, Reason(), FailureLogUrl) : null,
        Server = ServerId is null && ServerIp is null && TailscaleIp is null ? null : new ServerInfo(ServerId, ServerIp, TailscaleIp),
        WorkflowRunId = WorkflowRunId,
        WorkflowRunUrl = WorkflowRunUrl,
        UsedSnapshot = UsedSnapshot,
        Mode = Mode,
        WaitingFor = WaitingFor,
        RunAliveAt = RunAliveAt,
        CreatedBy = CreatedById is null ? null : new Creator(CreatedById, CreatedByName),
        CancelRequestedAt = CancelRequestedAt,
        CancelledAt = CancelledAt,
        CancelConfirmed = CancelConfirmed,
        CancelSentAt = CancelSentAt,
        CancelSendFailedAt = CancelSendFailedAt,
        Attempt = Attempt ?? 1,
        PreviousJobId = PreviousJobId,
        NextJobId = NextJobId,
        ServerKeptUntil = ServerKeptUntil,
        ResumeFrom = ResumeFrom,
        ResumeServerId = ResumeServerId,
        Kind = Kind == "deprovision" ? JobKind.Deprovision : JobKind.Provision,
        RemovesServerOfJobId = RemovesServerOfJobId,
        ServerRemovedAt = ServerRemovedAt,
        ServerRemovedByJobId = ServerRemovedByJobId,
        DeprovisionReason = DeprovisionReason,
        TtlMinutes = TtlMinutes,
        ExpiresAtOverride = ExpiresAtOverride,
        ServerType = ServerType,
        Location = ServerLocation,
        Price = ReadPrice(),
    };

    private ServerPrice? ReadPrice() =>
        PriceCurrency is { } currency && Amount(PriceHourlyNet) is { } hourlyNet && Amount(PriceHourlyGross) is { } hourlyGross
            && Amount(PriceMonthlyNet) is { } monthlyNet && Amount(PriceMonthlyGross) is { } monthlyGross
            ? new ServerPrice(hourlyNet, hourlyGross, monthlyNet, monthlyGross, currency)
            : null;

    private static decimal? Amount(string? text) =>
        decimal.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var amount) ? amount : null;

    private Jobs.FailureReason? Reason() =>
        FailureReasons.TryParse(FailureReason, out var reason) ? reason
        : FailedByWorkflow == true ? Jobs.FailureReason.Workflow
        : null;

    public static string Key(Guid jobId) => jobId.ToString("D");
}
