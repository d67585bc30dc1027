using System.Globalization;
using Microsoft.AspNetCore.Http;
using Provisioner.Functions.Http;

namespace Provisioner.Functions.Audit;

/// <summary>Serves <c>GET /api/audit</c>: a page of the log, newest first, paged like the job lists. Bad input is a 400 naming the parameter; nothing is written.</summary>
internal sealed class AuditListHandler(AuditLog log)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    private const int MaxFilterLength = 200;

    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        foreach (var name in (string[])["actor", "agent_id", "action", "limit", "continuation"])
        {
            if (query[name].Count > 1)
            {
                return Problems.BadRequest($"{name} is given {query[name].Count} times: give it once.");
            }
        }

        string? Value(string name) => query[name] is { Count: 1 } v && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

        var limit = DefaultLimit;
        if (Value("limit") is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Problems.BadRequest($"limit {Quote(limitText)} is not valid: use a whole number from 1 to {MaxLimit} (default {DefaultLimit}).");
        }

        string? after = null;
        if (Value("continuation") is { } token)
        {
            if (!ContinuationToken.TryDecode(token, AuditLog.IsRowKey, out var rowKey))
            {
                return Problems.BadRequest("continuation is not a token this API gave: pass the \"continuation\" of the previous page as it was, or leave it out for the first page.");
            }

            after = rowKey;
        }

        foreach (var name in (string[])["actor", "agent_id", "action"])
        {
            if (Value(name) is { Length: > MaxFilterLength } tooLong)
            {
                return Problems.BadRequest($"{name} {Quote(tooLong)} is too long: at most {MaxFilterLength} characters.");
            }
        }

        var agentId = Value("agent_id");
        if (agentId is not null && !AgentIds.IsValid(agentId))
        {
            return Problems.BadRequest($"agent_id {Quote(agentId)} is not valid: {AgentIds.Rule}.");
        }

        var page = await log.PageAsync(new AuditQuery(Value("actor"), agentId, Value("action"), limit, after), cancellationToken);
        return new PageResult(page);
    }

    private static string Quote(string value) => "\"" + (value.Length > 80 ? value[..80] + "…" : value) + "\"";

    private sealed class PageResult(AuditPage page) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => UncachedJson.WriteAsync(httpContext, page);
    }
}
