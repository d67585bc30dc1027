using Provisioner.Cli;

namespace Provisioner.Tests.Cli;

/// <summary>The outcome of one run of `provisioner`: its exit code and what it wrote.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the command-line tool through its own entry point (<see cref="CliApp.RunAsync"/>) in this
/// process, with its output captured, an environment of the test's choosing (nothing of the
/// machine's: no PROVISIONER_URL leaks in) and output that is a terminal or not.
/// </summary>
internal static class Cli
{
    public static async Task<CliResult> RunAsync(Uri? url, IReadOnlyDictionary<string, string>? environment = null, bool terminal = false, CancellationToken cancellationToken = default, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var variables = environment ?? new Dictionary<string, string>();
        var console = new CliConsole(TextWriter.Synchronized(output), TextWriter.Synchronized(error), name => variables.TryGetValue(name, out var value) ? value : null, terminal);
        string[] all = url is null ? args : [.. args, "--url", url.AbsoluteUri];
        var code = await CliApp.RunAsync(all, console, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(Uri? url, params string[] args) => RunAsync(url, null, false, default, args);
}
