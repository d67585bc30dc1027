using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>When the backend asks GitHub about a silent job's run (docs/reconcile.md).</summary>
public sealed class ReconcileOptions
{
    public const string AfterSetting = "RECONCILE_AFTER_MINUTES";

    /// <summary>How many minutes of silence before GitHub is asked; fractions allowed. A job about to miss a deadline is asked about whatever this says.</summary>
    [ConfigurationKeyName(AfterSetting)]
    public double AfterMinutes { get; set; } = 3;

    public TimeSpan After => TimeSpan.FromMinutes(AfterMinutes);
}
