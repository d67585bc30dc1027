namespace Provisioner.Functions.Jobs;

public enum CallbackKind
{
    /// <summary><c>status=provisioning</c>, with or without a <c>step</c>.</summary>
    Progress,
    Heartbeat,
    Succeeded,
    Failed,
}
