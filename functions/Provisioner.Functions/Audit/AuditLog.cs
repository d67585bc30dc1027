using System.Buffers;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Http;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Audit;

/// <summary>
/// The audit log in the append-only <c>audit</c> table. Each entry is written as up to three
/// copies, one per partition that answers a query in one range read: <c>all</c> (the whole log),
/// <c>actor|{oid}</c> (one person's entries; <c>actor|-</c> when nobody signed in) and
/// <c>agent|{agent_id}</c> (one agent's, when the entry names an agent). The RowKey is the
/// inverted ticks of <c>at</c> and a random suffix, so a partition reads newest first and two
/// entries of the same tick never meet. Rows are only added, and deleted by the retention timer.
/// </summary>
internal sealed class AuditLog(StorageClients storage)
{
    public const string AllPartition = "all";
    public const string NoActor = "-";
    private const int SuffixLength = 12;
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdef");
    private static readonly SearchValues<char> KeyForbidden = SearchValues.Create("/\\#?%");

    public static string ActorPartition(string? oid) => "actor|" + (oid is null ? NoActor : Escape(oid));

    public static string AgentPartition(string agentId) => "agent|" + Escape(agentId);

    /// <summary>19 digits of (max ticks − ticks of <paramref name="at"/>): newer sorts first.</summary>
    public static string TimeKey(DateTimeOffset at) => (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    public static string NewRowKey(DateTimeOffset at) => TimeKey(at) + "_" + Guid.NewGuid().ToString("N")[..SuffixLength];

    /// <summary>Whether <paramref name="value"/> has the form of a RowKey this log writes (what a continuation may carry).</summary>
    public static bool IsRowKey(string value) =>
        value.Length == 19 + 1 + SuffixLength && value[19] == '_'
        && value.AsSpan(0, 19).IndexOfAnyExceptInRange('0', '9') < 0
        && value.AsSpan(20).IndexOfAnyExcept(Hex) < 0;

    /// <summary>Writes every copy of <paramref name="entry"/> at once: one round trip of latency.</summary>
    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return CopyAsync(NewRowKey(entry.At), entry, cancellationToken);
    }

    /// <summary>
    /// Writes every copy of <paramref name="entry"/> under <paramref name="rowKey"/> at once. A copy
    /// that is there already is left as it is: an entry kept with its change can be copied again
    /// after a crash without a second entry, and without overwriting the answer the first copy
    /// recorded.
    /// </summary>
    public Task CopyAsync(string rowKey, AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var partitions = new List<string> { AllPartition, ActorPartition(entry.Actor?.Oid) };
        if (entry.AgentId is { } agent)
        {
            partitions.Add(AgentPartition(agent));
        }

        return Task.WhenAll(partitions.Select(p => AddOnceAsync(ToEntity(p, rowKey, entry), cancellationToken)));
    }

    private async Task AddOnceAsync(AuditEntity copy, CancellationToken cancellationToken)
    {
        try
        {
            await storage.Audit.AddEntityAsync(copy, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Copied before.
        }
    }

    /// <summary>
    /// A page, newest first. The partition is the narrowest the filters allow (actor, else agent,
    /// else the whole log); the other filters are the query's filter on that partition.
    /// </summary>
    public async Task<AuditPage> PageAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var partition = query.Actor is { } actor ? ActorPartition(actor) : query.AgentId is { } agent ? AgentPartition(agent) : AllPartition;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
        if (query.After is { } after)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey gt {after}");
        }

        if (query.Actor is not null && query.AgentId is { } agentId)
        {
            filter += " and " + TableClient.CreateQueryFilter($"AgentId eq {agentId}");
        }

        if (query.Action is { } action)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Action eq {action}");
        }

        // One entry more than asked says whether anything follows.
        var found = new List<AuditEntity>(query.Limit + 1);
        await foreach (var row in storage.Audit.QueryAsync<AuditEntity>(filter, maxPerPage: Math.Min(1000, query.Limit + 1), cancellationToken: cancellationToken))
        {
            found.Add(row);
            if (found.Count > query.Limit)
            {
                break;
            }
        }

        var page = found.Take(query.Limit).ToList();
        return new AuditPage(
            [.. page.Select(ToEntry)],
            found.Count > query.Limit ? ContinuationToken.Encode(page[^1].RowKey) : null);
    }

    /// <summary>Deletes every copy of every entry older than <paramref name="cutoff"/>; the number of rows deleted.</summary>
    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        // Older is a greater RowKey in every partition: one key-range read of the table.
        var filter = TableClient.CreateQueryFilter($"RowKey gt {TimeKey(cutoff)}");
        var old = new List<(string PartitionKey, string RowKey)>();
        await foreach (var row in storage.Audit.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            old.Add((row.PartitionKey, row.RowKey));
        }

        var deleted = 0;
        foreach (var partition in old.GroupBy(r => r.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var chunk in partition.Chunk(100))
            {
                try
                {
                    await storage.Audit.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(r.PartitionKey, r.RowKey), ETag.All)), cancellationToken);
                    deleted += chunk.Length;
                }
                catch (TableTransactionFailedException e) when (e.Status == 404)
                {
                    // Another clean-up got there first: delete what is left one by one.
                    foreach (var (pk, rk) in chunk)
                    {
                        var response = await storage.Audit.DeleteEntityAsync(pk, rk, ETag.All, cancellationToken);
                        deleted += response.Status == 404 ? 0 : 1;
                    }
                }
            }
        }

        return deleted;
    }

    private static AuditEntity ToEntity(string partition, string rowKey, AuditEntry entry) => new()
    {
        PartitionKey = partition,
        RowKey = rowKey,
        At = entry.At,
        ActorOid = entry.Actor?.Oid,
        ActorName = entry.Actor?.Name,
        Action = entry.Action,
        Target = entry.Target,
        AgentId = entry.AgentId,
        JobId = entry.JobId,
        StatusCode = entry.StatusCode,
        Outcome = entry.Outcome,
    };

    /// <summary>A stored row taken apart on its own, so that a malformed one fails alone (<see cref="FormatException"/>).</summary>
    public static AuditEntity FromRow(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        string Required(string name) => row.GetString(name) is { Length: > 0 } value ? value : throw new FormatException($"audit row {row.RowKey} has no {name}");
        return new AuditEntity
        {
            PartitionKey = row.PartitionKey,
            RowKey = row.RowKey,
            At = row.GetDateTimeOffset(nameof(AuditEntity.At)) ?? throw new FormatException($"audit row {row.RowKey} has no {nameof(AuditEntity.At)}"),
            ActorOid = row.GetString(nameof(AuditEntity.ActorOid)),
            ActorName = row.GetString(nameof(AuditEntity.ActorName)),
            Action = Required(nameof(AuditEntity.Action)),
            Target = Required(nameof(AuditEntity.Target)),
            AgentId = row.GetString(nameof(AuditEntity.AgentId)),
            JobId = row.GetGuid(nameof(AuditEntity.JobId)),
            StatusCode = row.GetInt32(nameof(AuditEntity.StatusCode)) ?? throw new FormatException($"audit row {row.RowKey} has no {nameof(AuditEntity.StatusCode)}"),
            Outcome = Required(nameof(AuditEntity.Outcome)),
        };
    }

    public static AuditEntry ToEntry(AuditEntity row) => new(
        row.At,
        row.ActorOid is { } oid ? new AuditActor(oid, row.ActorName) : null,
        row.Action,
        row.Target,
        row.AgentId,
        row.JobId,
        row.StatusCode,
        row.Outcome);

    /// <summary>A key may not hold '/', '\', '#', '?' or control characters: those are percent-encoded (and so is '%').</summary>
    private static string Escape(string value) =>
        value.AsSpan().IndexOfAny(KeyForbidden) < 0 && !value.Any(char.IsControl) ? value : Uri.EscapeDataString(value);
}
