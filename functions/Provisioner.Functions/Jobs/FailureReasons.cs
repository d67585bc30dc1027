using System.Diagnostics.CodeAnalysis;

namespace Provisioner.Functions.Jobs;

/// <summary>The wire and storage codes of <see cref="FailureReason"/>: one table, so the document and the table row cannot drift apart.</summary>
internal static class FailureReasons
{
    private static readonly Dictionary<FailureReason, string> Codes = new()
    {
        [FailureReason.Workflow] = "workflow",
        [FailureReason.TimedOut] = "timed_out",
        [FailureReason.DispatchFailed] = "dispatch_failed",
        [FailureReason.DispatchNotStarted] = "dispatch_not_started",
        [FailureReason.Silent] = "silent",
        [FailureReason.TooLong] = "too_long",
        [FailureReason.GitHubFailed] = "github_failed",
        [FailureReason.GitHubCancelled] = "github_cancelled",
        [FailureReason.GitHubTimedOut] = "github_timed_out",
        [FailureReason.GitHubRunMissing] = "github_run_missing",
    };

    public static IReadOnlyCollection<string> AllCodes => Codes.Values;

    public static string Code(this FailureReason reason) =>
        Codes.TryGetValue(reason, out var code) ? code : throw new ArgumentOutOfRangeException(nameof(reason), reason, "a reason without a code");

    public static bool TryParse(string? code, [NotNullWhen(true)] out FailureReason? reason)
    {
        foreach (var (value, known) in Codes)
        {
            if (known == code)
            {
                reason = value;
                return true;
            }
        }

        reason = null;
        return false;
    }
}
