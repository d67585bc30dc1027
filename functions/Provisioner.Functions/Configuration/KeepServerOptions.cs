using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>How long a failed run's server is kept for a re-run from the failed step (docs/lifecycle.md, "Re-run from the failed step").</summary>
public sealed class KeepServerOptions
{
    public const string KeepSetting = "KEEP_FAILED_SERVER_MINUTES";

    /// <summary>The longest the setting may ask for: a day.</summary>
    public const int MaxMinutes = 24 * 60;

    /// <summary>
    /// What a failure callback's <c>server_kept_until</c> may exceed the failure time plus
    /// <see cref="KeepFailedServerMinutes"/> by: the workflow computes the deadline a little after
    /// the backend's clock saw the failure (the clean-up job starts after the failing job ends).
    /// </summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMinutes(5);

    /// <summary>Whole minutes a server of a run that failed at Installing Dependencies or Configuring Agent is kept; 0 deletes it at once.</summary>
    [ConfigurationKeyName(KeepSetting)]
    public int KeepFailedServerMinutes { get; set; } = 30;

    public bool Keeps => KeepFailedServerMinutes > 0;
}
