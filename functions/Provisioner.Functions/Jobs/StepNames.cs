namespace Provisioner.Functions.Jobs;

/// <summary>The words of the contract: step callback names, failure step names and the five projected steps.</summary>
internal static class StepNames
{
    public const string VmCreated = "vm_created";
    public const string AnsibleStarted = "ansible_started";
    public const string AnsibleComplete = "ansible_complete";

    /// <summary>The five projected steps, by index: (id, label).</summary>
    public static IReadOnlyList<(string Id, string Label)> Steps { get; } =
    [
        ("queued", "Queued"),
        ("creating", "Creating Server"),
        ("installing", "Installing Dependencies"),
        ("configuring", "Configuring Agent"),
        ("running", "Running"),
    ];

    public const int CreatingStep = 1;
    public const int InstallingStep = 2;
    public const int ConfiguringStep = 3;
    public const int RunningStep = 4;

    public static Milestone? MilestoneOfStep(string step) => step switch
    {
        VmCreated => Milestone.VmCreated,
        AnsibleStarted => Milestone.AnsibleStarted,
        AnsibleComplete => Milestone.AnsibleComplete,
        _ => null,
    };

    public static string? OfMilestone(Milestone milestone) => milestone switch
    {
        Milestone.VmCreated => VmCreated,
        Milestone.AnsibleStarted => AnsibleStarted,
        Milestone.AnsibleComplete => AnsibleComplete,
        _ => null,
    };

    /// <summary>
    /// The projected step a failure names, from the workflow's <c>failed_step</c>/<c>step</c>
    /// vocabulary; null when the name is not one we know (the caller then falls back to the
    /// furthest step reached).
    /// </summary>
    public static int? StepOfFailure(string? reported) => reported?.Trim().ToLowerInvariant() switch
    {
        "provision" or "create" or "creating" => CreatingStep,
        "install" or "ansible" or "installing" => InstallingStep,
        "configure" or "configure_full" or "configure_snapshot" or "configuring" => ConfiguringStep,
        _ => null,
    };
}
