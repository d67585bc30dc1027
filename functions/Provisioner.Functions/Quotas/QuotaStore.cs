using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Quotas;

/// <summary>
/// The <c>quotas</c> table: one counter row per person (PartitionKey = <see cref="Jobs.Quotas.PersonOf"/>,
/// RowKey <c>counter</c>), changed only under its ETag, as the agent claim is: two creates of one
/// person that race are decided one after the other, so N parallel creates against a quota of Q
/// admit exactly Q.
/// <para>
/// The row as this instance last read or wrote it is kept in memory, with its ETag, so a change
/// usually costs one round trip: the conditional write. When another instance (or request) wrote
/// since, the write fails on the ETag and the row is read again. A decision to write nothing (a
/// refusal, a look) is never taken on the remembered row: it is read first, so nobody is refused
/// for a count that is out of date (docs/quotas.md, "Cost").
/// </para>
/// </summary>
internal sealed class QuotaStore(StorageClients storage)
{
    private const int MaxRounds = 64;
    private const int MaxRemembered = 10_000;
    private readonly ConcurrentDictionary<string, QuotaEntity> _remembered = new(StringComparer.Ordinal);

    /// <summary>
    /// Asks <paramref name="decide"/> for the next state of the person's counter (null: nothing to
    /// write) and writes it under the ETag, again on a conflict. Returns what was decided last.
    /// </summary>
    public async Task<T> ChangeAsync<T>(string person, Func<QuotaState, (QuotaState? Next, T Result)> decide, CancellationToken cancellationToken)
    {
        _remembered.TryGetValue(person, out var stored);
        var fresh = stored is null;
        for (var round = 0; round < MaxRounds; round++)
        {
            if (fresh)
            {
                var found = await storage.Quotas.GetEntityIfExistsAsync<QuotaEntity>(person, QuotaEntity.Row, cancellationToken: cancellationToken);
                stored = found.HasValue ? found.Value! : null;
                Remember(person, stored);
            }

            var (next, result) = decide(stored?.ToState() ?? QuotaState.Empty);
            if (next is null)
            {
                if (fresh)
                {
                    return result;
                }

                fresh = true; // decided on the remembered row: decide again on the stored one
                continue;
            }

            var entity = QuotaEntity.From(person, next);
            try
            {
                var response = stored is null
                    ? await storage.Quotas.AddEntityAsync(entity, cancellationToken)
                    : await storage.Quotas.UpdateEntityAsync(entity, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                entity.ETag = response.Headers.ETag ?? default;
                Remember(person, entity.ETag == default ? null : entity);
                return result;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // Another create or release of this person wrote first (or the remembered row was
                // deleted): decide again on what is stored.
                fresh = true;
            }
        }

        throw new StorageConflictException($"Could not change the quota counter of {person} after {MaxRounds} attempts.");
    }

    private void Remember(string person, QuotaEntity? row)
    {
        if (row is null)
        {
            _remembered.TryRemove(person, out _);
            return;
        }

        if (_remembered.Count >= MaxRemembered)
        {
            _remembered.Clear(); // a bound, not a cache policy: the next change of each person reads its row again
        }

        _remembered[person] = row;
    }
}

/// <summary>One person's counter row.</summary>
internal sealed class QuotaEntity : ITableEntity
{
    public const string Row = "counter";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>The jobs that hold a server: <c>{job id}@{admitted, unix ms}</c>, comma-separated.</summary>
    public string Holding { get; set; } = "";

    /// <summary>When the creates of the last hour were admitted: unix ms, comma-separated.</summary>
    public string Creates { get; set; } = "";

    public static QuotaEntity From(string person, QuotaState state) => new()
    {
        PartitionKey = person,
        Holding = string.Join(',', state.Holding.Select(h => h.JobId.ToString("N") + "@" + h.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))),
        Creates = string.Join(',', state.Creates.Select(at => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))),
    };

    public QuotaState ToState() => new(
        [.. Split(Holding).Select(item => item.Split('@')).Select(p => new QuotaHold(Guid.ParseExact(p[0], "N"), Time(p[1])))],
        [.. Split(Creates).Select(Time)]);

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);

    private static DateTimeOffset Time(string ms) => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms, CultureInfo.InvariantCulture));
}
