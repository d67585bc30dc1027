namespace Provisioner.Functions.Storage;

internal static class StorageNames
{
    /// <summary>One partition per job: its projection row and its append-only callback rows, so both change in one transaction.</summary>
    public const string JobsTable = "jobs";

    /// <summary>One row per agent: the job that holds the agent and its newest job.</summary>
    public const string AgentsTable = "agents";

    /// <summary>One row per Idempotency-Key: the job it created.</summary>
    public const string IdempotencyTable = "idempotency";

    /// <summary>The jobs the time-out timer watches (see <see cref="InFlightEntity"/>).</summary>
    public const string InFlightTable = "inflight";

    /// <summary>The running agents and their last health reports (see AgentHealth/AgentHealthEntity.cs).</summary>
    public const string AgentHealthTable = "agenthealth";

    /// <summary>One counter row per person: the servers they hold and their creates of the last hour (see Quotas/QuotaStore.cs).</summary>
    public const string QuotasTable = "quotas";

    /// <summary>The job lists: all jobs, by agent, by status, newest first (see <see cref="JobIndex"/>).</summary>
    public const string JobIndexTable = "jobindex";

    /// <summary>The ids (<c>jti</c>) of tokens already used, each kept until its token expires: a token is good once.</summary>
    public const string UsedTokensTable = "usedtokens";

    /// <summary>The audit log, append-only: each entry under the person, the agent and the whole log (see Audit/AuditLog.cs).</summary>
    public const string AuditTable = "audit";

    public const string DispatchQueue = "provisioning-jobs";
    public const string DispatchPoisonQueue = DispatchQueue + "-poison";

    /// <summary>Notifications to deliver: each message points at an outbox row in its job's partition.</summary>
    public const string NotifyQueue = "notifications";
    public const string NotifyPoisonQueue = NotifyQueue + "-poison";

    /// <summary>Notifications that were not delivered, kept for an operator to read and replay.</summary>
    public const string NotifyDeadLettersTable = "notifydeadletters";

    /// <summary>Jobs whose workflow run must be cancelled on GitHub (its messages: Lifecycle/CancelRunMessage.cs).</summary>
    public const string CancelRunsQueue = "cancel-runs";

    public const string CancelRunsPoisonQueue = CancelRunsQueue + "-poison";
}
