namespace Provisioner.Cli;

/// <summary>
/// What a run of the tool sees of its surroundings: where it writes, the environment variables it
/// reads (PROVISIONER_URL, PROVISIONER_TOKEN, PROVISIONER_SCOPE) and whether its output is a
/// terminal (progress redrawn in place) or redirected (plain lines). Tests pass their own.
/// </summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, Func<string, string?> Variable, bool OutputIsTerminal);
