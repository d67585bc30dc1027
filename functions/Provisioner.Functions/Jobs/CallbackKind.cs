namespace Provisioner.Functions.Jobs;

internal enum CallbackKind
{
    /// <summary><c>status=provisioning</c>, with or without a <c>step</c>.</summary>
    Progress,
    /// <summary><c>type=heartbeat</c>: the run is alive.</summary>
    Heartbeat,

    /// <summary><c>status=running</c>: the agent is up, with its server's addresses.</summary>
    Running,

    /// <summary><c>status=failed</c>.</summary>
    Failed,

    /// <summary><c>status=cancelled</c>: the workflow's clean-up after a cancel.</summary>
    Cancelled,
}
