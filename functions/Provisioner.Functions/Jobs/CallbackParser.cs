using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;

namespace Provisioner.Functions.Jobs;

/// <summary>
/// Reads a callback body (docs/callbacks.md). Fields beyond the contract's are ignored;
/// a body that cannot be understood is refused with a reason a person can act on. The
/// failure callback is read leniently: losing a failure would leave a job in flight forever.
/// </summary>
internal static class CallbackParser
{
    public const int MaxIdLength = 256;
    private const int MaxRunIdLength = 64;
    private const int MaxShortTextLength = 64;

    private const int MaxDepth = 32;

    public static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out Callback? callback, [NotNullWhen(false)] out string? error)
    {
        callback = null;
        if (!JsonObjectBody.TryParse(body, MaxDepth, "a callback: a JSON object with job_id (docs/callbacks.md)", out var document, out error))
        {
            return false;
        }

        using (document)
        {
            try
            {
                return TryRead(document.RootElement, out callback, out error);
            }
            catch (InvalidOperationException)
            {
                // A string escape that is not valid text (a lone surrogate, say).
                callback = null;
                error = "The body holds a string that is not valid text (check its \\u escapes).";
                return false;
            }
        }
    }

    private static bool TryRead(JsonElement root, [NotNullWhen(true)] out Callback? callback, [NotNullWhen(false)] out string? error)
    {
        callback = null;
        if (!root.TryGetProperty("job_id", out var jobIdElement) || jobIdElement.ValueKind != JsonValueKind.String)
        {
            error = "job_id is missing: send the job_id the workflow was dispatched with.";
            return false;
        }

        if (!Guid.TryParse(jobIdElement.GetString(), out var jobId))
        {
            error = "job_id is not a job id: send the job_id the workflow was dispatched with (a GUID).";
            return false;
        }

        if (!TryGetRunId(root, out var runId, out error))
        {
            return false;
        }

        var common = new Callback { JobId = jobId, Kind = CallbackKind.Heartbeat, WorkflowRunId = runId };

        if (JsonObjectBody.TextOf(root, "type") is "heartbeat")
        {
            callback = common;
            return true;
        }

        var status = JsonObjectBody.TextOf(root, "status");
        switch (status)
        {
            case "provisioning":
                return TryReadProgress(root, common, out callback, out error);
            case "running":
                if (!TryReadRunningServer(root, out var server, out error))
                {
                    // A deprovision job's success names only the server it removed (docs/lifecycle.md, "Tear down").
                    if (OnlyServerId(root) is { } removed)
                    {
                        callback = common with { Kind = CallbackKind.Running, Server = new ServerInfo(removed, null, null), AddressesMissing = error };
                        error = null;
                        return true;
                    }

                    return false;
                }

                callback = common with { Kind = CallbackKind.Running, Server = server, UsedSnapshot = OptionalBool(root, "used_snapshot") };
                return true;
            case "failed":
                callback = common with
                {
                    Kind = CallbackKind.Failed,
                    Error = LenientText(root, "error"),
                    FailedStep = Shorten(LenientText(root, "failed_step")),
                    Step = Shorten(LenientText(root, "step")),
                    Server = LenientServer(root),
                    ServerKeptUntil = LenientTime(root, "server_kept_until"),
                };
                error = null;
                return true;
            case "cancelled":
                // A time-out reports as cancelled too (GitHub concludes it so): where the run stopped
                // and why, which the backend uses when nobody asked to cancel (JobTransitions).
                callback = common with
                {
                    Kind = CallbackKind.Cancelled,
                    Error = LenientText(root, "error"),
                    FailedStep = Shorten(LenientText(root, "failed_step")),
                    Step = Shorten(LenientText(root, "step")),
                    Server = LenientServer(root),
                };
                error = null;
                return true;
            default:
                error = status is null
                    ? "status is missing: send \"provisioning\", \"running\", \"failed\" or \"cancelled\", or \"type\": \"heartbeat\"."
                    : $"status \"{Shorten(status)}\" is not known: send \"provisioning\", \"running\", \"failed\" or \"cancelled\".";
                return false;
        }
    }

    private static bool TryReadProgress(JsonElement root, Callback common, [NotNullWhen(true)] out Callback? callback, [NotNullWhen(false)] out string? error)
    {
        callback = null;
        var milestone = Milestone.Provisioning;
        if (root.TryGetProperty("step", out var stepElement) && stepElement.ValueKind != JsonValueKind.Null)
        {
            var step = stepElement.ValueKind == JsonValueKind.String ? stepElement.GetString() : null;
            if (step is null || StepNames.MilestoneOfStep(step) is not { } m)
            {
                error = $"step must be one of \"{StepNames.VmCreated}\", \"{StepNames.AnsibleStarted}\", \"{StepNames.AnsibleComplete}\".";
                return false;
            }

            milestone = m;
        }

        callback = common with
        {
            Kind = CallbackKind.Progress,
            Milestone = milestone,
            WorkflowRunUrl = OptionalHttpUrl(root, "workflow_run_url"),
            UsedSnapshot = OptionalBool(root, "used_snapshot"),
            Mode = Shorten(JsonObjectBody.TextOf(root, "mode")),
        };
        if (milestone == Milestone.VmCreated)
        {
            // What the server costs (docs/cost.md): a malformed price is dropped, never a refused callback.
            ServerPrices.TryRead(root, out var price, out var dropped);
            callback = callback with
            {
                ServerType = ServerPrices.Name(root, "server_type"),
                Location = ServerPrices.Name(root, "location"),
                Price = price,
                PriceDropped = dropped,
            };
        }

        error = null;
        return true;
    }

    private static bool TryGetRunId(JsonElement root, out string? runId, [NotNullWhen(false)] out string? error)
    {
        runId = null;
        error = null;
        if (!root.TryGetProperty("workflow_run_id", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        if (string.IsNullOrEmpty(text) || text.Length > MaxRunIdLength || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            error = $"workflow_run_id must be the run's id (1 to {MaxRunIdLength} letters, digits, '-', '_' or '.'), as github.run_id gives it.";
            return false;
        }

        runId = text;
        return true;
    }

    /// <summary>
    /// The success callback must say which server runs the agent and where: an id, its IP
    /// address and its Tailscale address. A signed body with anything else is refused, so the
    /// status page never shows an address that is not one.
    /// </summary>
    /// <summary>The <c>server_id</c> of a body that has one and neither address; null otherwise.</summary>
    private static string? OnlyServerId(JsonElement root)
    {
        string? id = null;
        return TryId(root, "server_id", ref id, out _) && !string.IsNullOrWhiteSpace(id)
            && !root.TryGetProperty("server_ip", out _) && !root.TryGetProperty("tailscale_ip", out _)
            ? id
            : null;
    }

    private static bool TryReadRunningServer(JsonElement root, out ServerInfo? server, [NotNullWhen(false)] out string? error)
    {
        server = null;
        string? id = null, ipText = null, tailscaleText = null;
        if (!TryId(root, "server_id", ref id, out error) || !TryId(root, "server_ip", ref ipText, out error) || !TryId(root, "tailscale_ip", ref tailscaleText, out error))
        {
            return false;
        }

        var missing = new[] { (Name: "server_id", Value: id), (Name: "server_ip", Value: ipText), (Name: "tailscale_ip", Value: tailscaleText) }
            .FirstOrDefault(f => string.IsNullOrWhiteSpace(f.Value)).Name;
        if (missing is not null)
        {
            error = $"{missing} is missing: a running callback reports the server it created (server_id, server_ip and tailscale_ip).";
            return false;
        }

        if (!ServerAddresses.TryParse(ipText, out var ip))
        {
            error = "server_ip is not an IP address: send the server's IPv4 or IPv6 address (such as 203.0.113.10).";
            return false;
        }

        if (!ServerAddresses.TryParseTailscale(tailscaleText, out var tailscaleIp))
        {
            error = $"tailscale_ip is not a Tailscale address: send the device's tailnet address, in {ServerAddresses.TailscaleRanges}.";
            return false;
        }

        server = new ServerInfo(id, ip, tailscaleIp);
        return true;
    }

    /// <summary>
    /// The failure callback's server fields are optional and read leniently: a field that is
    /// malformed is dropped, never the failure, because a lost failure leaves a job in flight.
    /// </summary>
    private static ServerInfo? LenientServer(JsonElement root)
    {
        string? id = null, ipText = null, tailscaleText = null;
        if (!TryId(root, "server_id", ref id, out _))
        {
            id = null;
        }

        var ip = TryId(root, "server_ip", ref ipText, out _) && ServerAddresses.TryParse(ipText, out var parsed) ? parsed : null;
        var tailscaleIp = TryId(root, "tailscale_ip", ref tailscaleText, out _) && ServerAddresses.TryParseTailscale(tailscaleText, out var tailnet) ? tailnet : null;
        var server = new ServerInfo(id, ip, tailscaleIp);
        return server.IsEmpty ? null : server;
    }

    private static bool TryId(JsonElement root, string name, ref string? value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        value = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        if (value is null || value.Length > MaxIdLength)
        {
            error = $"{name} must be a string of at most {MaxIdLength} characters.";
            return false;
        }

        value = value.Length == 0 ? null : value;
        return true;
    }

    /// <summary>Any JSON value as text: a string as itself, anything else as its JSON.</summary>
    private static string? LenientText(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.String ? e.GetString()
        : e.GetRawText();

    /// <summary>An ISO-8601 time (<c>2026-01-01T10:00:00Z</c>; UTC when it has no offset); anything else is dropped, never the failure.</summary>
    private static DateTimeOffset? LenientTime(JsonElement root, string name) =>
        JsonObjectBody.TextOf(root, name) is { Length: > 0 and <= 64 } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;

    private static bool? OptionalBool(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e))
        {
            return null;
        }

        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(e.GetString(), out var b) => b,
            _ => null,
        };
    }

    private static string? OptionalHttpUrl(JsonElement root, string name) =>
        JsonObjectBody.TextOf(root, name) is { Length: <= 512 } text
        && Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri.AbsoluteUri
            : null;

    private static string? Shorten(string? text) =>
        text is null || text.Length <= MaxShortTextLength ? text : text[..MaxShortTextLength];

}
