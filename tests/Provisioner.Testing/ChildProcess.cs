using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Provisioner.Testing;

/// <summary>How <see cref="ChildProcess"/> starts a program and how it stops it again.</summary>
public sealed record ChildProcessOptions(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Variables to set; a null value removes the variable the child would otherwise inherit.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    /// <summary>Whether the caller writes to <see cref="ChildProcess.StandardInput"/>; otherwise the child's stdin is inherited.</summary>
    public bool RedirectStandardInput { get; init; }

    /// <summary>The signal <see cref="ChildProcess.StopAsync()"/> sends first: <c>INT</c> (Ctrl-C), <c>TERM</c>, or <c>KILL</c> to kill at once.</summary>
    public string StopSignal { get; init; } = "INT";

    /// <summary>How long a stop waits after the signal before it kills the process tree.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>What a program that ran to its end left: its exit code and what it wrote.</summary>
public sealed record ChildProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output, then standard error.</summary>
    public string Output => StandardOutput + StandardError;
}

/// <summary>
/// A child process with its output captured (exactly, as text), a wait until it is ready, and a
/// stop that signals first (<c>INT</c>, so a script's trap or Azurite's shutdown runs) and kills
/// the whole tree when that does not end it in time. Disposing stops it.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int MaxCapturedChars = 1 << 20;
    private readonly Process _process;
    private readonly ChildProcessOptions _options;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Task _pumps;

    private ChildProcess(Process process, ChildProcessOptions options)
    {
        _process = process;
        _options = options;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, _stdout), PumpAsync(process.StandardError, _stderr));
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The child's stdin, when <see cref="ChildProcessOptions.RedirectStandardInput"/> asked for it.</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    /// <summary>What it has written to stdout so far (the last MiB).</summary>
    public string StandardOutput => Snapshot(_stdout);

    /// <summary>What it has written to stderr so far (the last MiB).</summary>
    public string StandardError => Snapshot(_stderr);

    /// <summary>Standard output, then standard error, so far.</summary>
    public string Output => StandardOutput + StandardError;

    public static ChildProcess Start(ChildProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var start = new ProcessStartInfo(options.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = options.RedirectStandardInput,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
        };
        foreach (var argument in options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in options.Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {options.FileName}");
        return new ChildProcess(process, options);
    }

    public static ChildProcess Start(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null) =>
        Start(new ChildProcessOptions(fileName, arguments) { Environment = environment ?? new Dictionary<string, string?>(), WorkingDirectory = workingDirectory });

    /// <summary>
    /// Runs a program to its end and returns what it wrote; <paramref name="standardInput"/>, when
    /// given, is written as these exact bytes and then closed. Past <paramref name="timeout"/> the
    /// process tree is killed and a <see cref="TimeoutException"/> thrown.
    /// </summary>
    public static async Task<ChildProcessResult> RunAsync(ChildProcessOptions options, TimeSpan timeout, byte[]? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var child = Start(standardInput is null ? options : options with { RedirectStandardInput = true });
        if (standardInput is not null)
        {
            try
            {
                await child.StandardInput.BaseStream.WriteAsync(standardInput);
                child.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program ended (or closed its input) without reading it all, as a script that
                // refuses its arguments does: its exit code and output say what happened.
            }
        }

        await child.WaitForExitAsync(timeout);
        return new ChildProcessResult(child.ExitCode, child.StandardOutput, child.StandardError);
    }

    /// <summary>Waits for the process to end and for its output to be read; past <paramref name="timeout"/> kills it and throws <see cref="TimeoutException"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{Describe()} did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }

        await _pumps;
    }

    /// <summary>
    /// Polls <paramref name="isReady"/> (every <paramref name="interval"/>, 100 ms by default)
    /// until it says true. Throws, with the output so far, when the process exits first or
    /// <paramref name="timeout"/> passes; an <see cref="HttpRequestException"/> from the probe counts as not ready.
    /// </summary>
    public async Task WaitUntilReadyAsync(Func<Task<bool>> isReady, TimeSpan timeout, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(isReady);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await isReady())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = _process.HasExited ? $"exited ({_process.ExitCode.ToString(CultureInfo.InvariantCulture)})" : $"was not ready within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
                throw new InvalidOperationException($"{Describe()} {why}; its output:{System.Environment.NewLine}{Output}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Stops it the configured way: <see cref="ChildProcessOptions.StopSignal"/>, then a kill after <see cref="ChildProcessOptions.StopGrace"/>.</summary>
    public Task StopAsync() => StopAsync(_options.StopSignal, _options.StopGrace);

    /// <summary>Sends <paramref name="signal"/> (<c>INT</c>, <c>TERM</c>, …) and waits up to <paramref name="grace"/>; then kills the process tree.</summary>
    public async Task StopAsync(string signal, TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        if (string.Equals(signal, "KILL", StringComparison.OrdinalIgnoreCase))
        {
            Kill();
            return;
        }

        using (var send = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await send.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>SIGKILL to the whole tree, at once: no graceful shutdown, as when a host dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            await _pumps.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // A grandchild still holds the pipes open; what it writes is of no interest now.
        }

        _process.Dispose();
    }

    private string Describe() => $"{_options.FileName} {string.Join(' ', _options.Arguments)}";

    private static string Snapshot(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder buffer)
    {
        var chunk = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(chunk)) > 0)
        {
            lock (buffer)
            {
                buffer.Append(chunk, 0, read);
                if (buffer.Length > MaxCapturedChars)
                {
                    buffer.Remove(0, buffer.Length - (MaxCapturedChars / 2));
                }
            }
        }
    }
}
