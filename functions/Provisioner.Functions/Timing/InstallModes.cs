using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Timing;

/// <summary>
/// The install mode a job's timings are kept under: what its <c>ansible_started</c> callback
/// said (<c>full</c> or <c>snapshot-hybrid</c>). Until a run says, <c>full</c> (the default
/// mode and the longer one, so an estimate errs on the late side). A value that is not a short
/// lowercase word reads as <c>other</c> (it becomes a table key).
/// </summary>
internal static class InstallModes
{
    public const string Full = "full";
    public const string Other = "other";

    public static string Of(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var mode = job.Mode?.Trim();
        return string.IsNullOrEmpty(mode) ? Full
            : mode.Length <= 32 && mode.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') ? mode
            : Other;
    }
}
