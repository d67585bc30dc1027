using System.Globalization;
using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>
/// Shows status documents. On a terminal: the job's line and one line per step, redrawn in place
/// (ANSI cursor movement and colour) at each change. Redirected: a plain line per change of a
/// step's state, nothing redrawn, no escape codes. With --output json: each new document as one
/// line of JSON (newline-delimited), for scripts.
/// </summary>
internal sealed class ProgressView(CliConsole console, bool json, TimeProvider time)
{
    private const string Reset = "\e[0m";
    private readonly Dictionary<string, string> _states = [];
    private string? _lastDocument;
    private string? _lastStatus;
    private int _drawnLines;

    public void Show(JobDocument document)
    {
        var raw = JsonSerializer.Serialize(document.Raw);
        if (raw == _lastDocument)
        {
            return;
        }

        _lastDocument = raw;
        if (json)
        {
            console.Out.WriteLine(raw);
        }
        else if (console.OutputIsTerminal)
        {
            Redraw(document);
        }
        else
        {
            WriteChanges(document);
        }

        console.Out.Flush();
    }

    /// <summary>The document once, without redrawing (status, cancel, retry, teardown, extend).</summary>
    public static void WriteOnce(CliConsole console, JobDocument document, TimeProvider time)
    {
        foreach (var line in Lines(document, time.GetUtcNow(), colour: console.OutputIsTerminal))
        {
            console.Out.WriteLine(line);
        }
    }

    private void Redraw(JobDocument document)
    {
        var lines = Lines(document, time.GetUtcNow(), colour: true);
        if (_drawnLines > 0)
        {
            console.Out.Write($"\e[{_drawnLines}F");
        }

        foreach (var line in lines)
        {
            console.Out.WriteLine("\e[2K" + line);
        }

        _drawnLines = lines.Count;
    }

    private void WriteChanges(JobDocument document)
    {
        var now = time.GetUtcNow();
        if (_lastStatus is null)
        {
            console.Out.WriteLine($"job {document.JobId} ({document.Kind} of {document.AgentId}): {document.Status}");
        }

        foreach (var step in document.Steps)
        {
            if (_states.TryGetValue(step.Id, out var seen) && seen == step.State)
            {
                continue;
            }

            _states[step.Id] = step.State;
            if (seen is null && step.State == "pending")
            {
                continue;
            }

            console.Out.WriteLine($"{now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {step.Label}: {step.State}{Took(step, now)}");
        }

        if (_lastStatus is not null && _lastStatus != document.Status)
        {
            console.Out.WriteLine($"job {document.JobId}: {document.Status}");
        }

        if (document.Status == "failed" && document.ErrorMessage is { } message)
        {
            console.Out.WriteLine($"error: {message}");
        }

        _lastStatus = document.Status;
    }

    private static List<string> Lines(JobDocument document, DateTimeOffset now, bool colour)
    {
        var lines = new List<string> { $"job {document.JobId} ({document.Kind} of {document.AgentId}): {Paint(document.Status, StatusColour(document.Status), colour)}" };
        foreach (var step in document.Steps)
        {
            var (mark, paint) = step.State switch
            {
                "completed" => ("✓", "\e[32m"),
                "active" => ("›", "\e[33m"),
                "error" => ("✗", "\e[31m"),
                "cancelled" => ("–", "\e[35m"),
                _ => ("·", "\e[2m"),
            };
            lines.Add($"  {Paint(mark, paint, colour)} {step.Label,-24} {step.State,-9}{Took(step, now)}");
        }

        if (document.ErrorMessage is { } message)
        {
            lines.Add($"  error: {message}");
        }

        return lines;
    }

    private static string StatusColour(string status) => status switch
    {
        "running" => "\e[32m",
        "failed" => "\e[31m",
        "cancelled" or "cancelling" => "\e[35m",
        _ => "\e[33m",
    };

    private static string Paint(string text, string code, bool colour) => colour ? code + text + Reset : text;

    private static string Took(StepLine step, DateTimeOffset now) =>
        step.State is "pending" || step.Duration(now) is not { } took ? "" : $" ({took.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s)";
}
