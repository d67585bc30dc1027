namespace Provisioner.Cli;

/// <summary>The tool's exit codes (docs/cli.md), so scripts can branch on the outcome.</summary>
internal static class ExitCodes
{
    /// <summary>Done: the request was accepted, or the followed job ended running (a teardown's job: its server removed).</summary>
    public const int Done = 0;

    /// <summary>The job failed, or the tool could not finish (the server unreachable, a 5xx).</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong, or the server answered 400 to it; the message names the option or field.</summary>
    public const int Usage = 2;

    /// <summary>The followed job ended cancelled.</summary>
    public const int Cancelled = 3;

    /// <summary>The server refused: 401, 403, 404, 409 or 429.</summary>
    public const int Refused = 4;

    /// <summary>--timeout passed before the job ended (the code GNU timeout uses).</summary>
    public const int TimedOut = 124;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
