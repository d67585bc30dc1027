namespace Provisioner.Cli;

/// <summary>Ends the command with <see cref="ExitCode"/> and the message on standard error.</summary>
internal sealed class CliFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
