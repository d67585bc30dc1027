namespace Provisioner.Functions.Jobs;

/// <summary>
/// What the keep rules (<see cref="KeptServer"/>) need of <c>KEEP_FAILED_SERVER_MINUTES</c>: the job
/// model reads no settings, so the caller passes the bound value in.
/// </summary>
/// <param name="KeepFailedServerMinutes">Whole minutes a server of a run that failed at Installing Dependencies or Configuring Agent is kept; 0 deletes it at once.</param>
internal sealed record KeepPolicy(int KeepFailedServerMinutes)
{
    /// <summary>The setting's name, for messages.</summary>
    public const string Setting = "KEEP_FAILED_SERVER_MINUTES";

    /// <summary>
    /// What a failure callback's <c>server_kept_until</c> may exceed the failure time plus
    /// <see cref="KeepFailedServerMinutes"/> by: the workflow computes the deadline a little after
    /// the backend's clock saw the failure (the clean-up job starts after the failing job ends).
    /// </summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMinutes(5);

    public bool Keeps => KeepFailedServerMinutes > 0;
}
