namespace Provisioner.Functions.Jobs;

/// <summary>
/// The points a job passes, in order. Milestone <c>k</c> reached means step <c>k</c> of the
/// projection is active (or, for <see cref="Running"/>, that every step is completed).
/// </summary>
internal enum Milestone
{
    Queued = 0,
    Provisioning = 1,
    VmCreated = 2,
    AnsibleStarted = 3,
    AnsibleComplete = 4,
    Running = 5,
}
