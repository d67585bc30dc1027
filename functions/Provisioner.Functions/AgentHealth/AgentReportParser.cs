using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.AgentHealth;

/// <summary>
/// Reads a health report body strictly (docs/agent-health.md): the agent's own script sends it,
/// so anything unexpected is a bug worth a clear <c>400</c>, not something to guess around.
/// </summary>
internal static class AgentReportParser
{
    public const int MaxChecks = 32;
    public const int MaxNameLength = 64;
    public const int MaxMessageLength = 500;
    public const int MaxVersionLength = 100;

    private const string Shape = """{"status":"ok"|"degraded","checks":{"<name>":{"status":"ok"|"degraded"|"failed","message"?}},"version"?}""";

    private static readonly string[] ReportStatuses = ["ok", "degraded"];
    private static readonly string[] CheckStatuses = ["ok", "degraded", "failed"];

    public static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out AgentReport? report, [NotNullWhen(false)] out string? error)
    {
        report = null;
        if (!JsonObjectBody.TryParse(body, 8, Shape, out var document, out error))
        {
            return false;
        }

        using (document)
        {
            try
            {
                return TryRead(document.RootElement, out report, out error);
            }
            catch (InvalidOperationException)
            {
                error = "The body holds a string that is not valid text (check its \\u escapes).";
                return false;
            }
        }
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out AgentReport? report, [NotNullWhen(false)] out string? error)
    {
        report = null;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name is not ("status" or "checks" or "version"))
            {
                error = $"\"{Short(property.Name)}\" is not a field of a health report: send {Shape}.";
                return false;
            }
        }

        if (!TryStatus(root, "status", ReportStatuses, out var status, out error))
        {
            return false;
        }

        string? version = null;
        if (root.TryGetProperty("version", out var versionElement) && versionElement.ValueKind != JsonValueKind.Null)
        {
            if (versionElement.ValueKind != JsonValueKind.String || versionElement.GetString() is not { Length: > 0 and <= MaxVersionLength } v)
            {
                error = $"version must be a string of 1 to {MaxVersionLength} characters.";
                return false;
            }

            version = v;
        }

        if (!root.TryGetProperty("checks", out var checksElement) || checksElement.ValueKind != JsonValueKind.Object)
        {
            error = $"checks is missing or not an object: send the named checks, for example {{\"service\":{{\"status\":\"ok\"}}}}.";
            return false;
        }

        var checks = new List<AgentCheck>();
        foreach (var check in checksElement.EnumerateObject())
        {
            if (checks.Count == MaxChecks)
            {
                error = $"checks has more than {MaxChecks} entries.";
                return false;
            }

            if (!IsName(check.Name))
            {
                error = $"check name \"{Short(check.Name)}\" is not valid: use 1 to {MaxNameLength} characters of a-z 0-9 _ - . starting with a letter or digit.";
                return false;
            }

            if (!TryCheck(check, out var read, out error))
            {
                return false;
            }

            checks.Add(read);
        }

        report = new AgentReport(status, checks, version);
        error = null;
        return true;
    }

    private static bool TryCheck(JsonProperty check, [NotNullWhen(true)] out AgentCheck? read, [NotNullWhen(false)] out string? error)
    {
        read = null;
        var value = check.Value;
        if (value.ValueKind != JsonValueKind.Object)
        {
            error = $"check \"{check.Name}\" must be an object: {{\"status\":\"ok\"|\"degraded\"|\"failed\",\"message\"?}}.";
            return false;
        }

        foreach (var property in value.EnumerateObject())
        {
            if (property.Name is not ("status" or "message"))
            {
                error = $"\"{Short(property.Name)}\" is not a field of check \"{check.Name}\": a check has status and, optionally, message.";
                return false;
            }
        }

        if (!TryStatus(value, "status", CheckStatuses, out var status, out error, $"check \"{check.Name}\" "))
        {
            return false;
        }

        string? message = null;
        if (value.TryGetProperty("message", out var messageElement) && messageElement.ValueKind != JsonValueKind.Null)
        {
            if (messageElement.ValueKind != JsonValueKind.String || messageElement.GetString() is not { Length: <= MaxMessageLength } m)
            {
                error = $"the message of check \"{check.Name}\" must be a string of at most {MaxMessageLength} characters.";
                return false;
            }

            message = m;
        }

        read = new AgentCheck(check.Name, status, message);
        error = null;
        return true;
    }

    private static bool TryStatus(JsonElement element, string name, string[] allowed, [NotNullWhen(true)] out string? status, [NotNullWhen(false)] out string? error, string owner = "")
    {
        status = JsonObjectBody.TextOf(element, name);
        if (status is not null && allowed.Contains(status, StringComparer.Ordinal))
        {
            error = null;
            return true;
        }

        var said = status is null ? "missing or not a string" : $"\"{Short(status)}\"";
        error = $"{owner}status is {said}: it must be one of {string.Join(", ", allowed.Select(a => "\"" + a + "\""))}.";
        status = null;
        return false;
    }

    private static bool IsName(string name) =>
        name.Length is >= 1 and <= MaxNameLength
        && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-' or '.');

    private static string Short(string value) => value.Length > 40 ? value[..40] + "…" : value;
}
