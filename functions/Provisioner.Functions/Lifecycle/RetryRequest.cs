using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Lifecycle;

/// <summary>The body of <c>POST /api/jobs/{job_id}/retry</c>: empty, or <c>{"from": "start" | "failed_step"}</c>.</summary>
public sealed record RetryRequest(bool FromFailedStep)
{
    private const string Shape = "{\"from\": \"start\"} or {\"from\": \"failed_step\"}, or no body";

    public static bool TryParse(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out RetryRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        if (body.IsEmpty)
        {
            request = new RetryRequest(false);
            error = null;
            return true;
        }

        if (!JsonObjectBody.TryParse(body, 8, Shape, out var document, out error))
        {
            return false;
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("from", out var from) || from.ValueKind == JsonValueKind.Null)
            {
                request = new RetryRequest(false);
                return true;
            }

            switch (from.ValueKind == JsonValueKind.String ? from.GetString() : null)
            {
                case "start":
                    request = new RetryRequest(false);
                    return true;
                case "failed_step":
                    request = new RetryRequest(true);
                    return true;
                default:
                    error = $"from must be \"start\" or \"failed_step\". Send {Shape}.";
                    return false;
            }
        }
    }
}
