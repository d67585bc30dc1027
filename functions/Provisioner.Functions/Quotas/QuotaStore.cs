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
/// </summary>
internal sealed class QuotaStore(StorageClients storage)
{
    private const int MaxRounds = 64;

    /// <summary>
    /// Reads the person's counter, asks <paramref name="decide"/> for the next state (null: nothing
    /// to write) and writes it under the ETag, again on a conflict. Returns what was decided last.
    /// </summary>
    public async Task<T> ChangeAsync<T>(string person, Func<QuotaState, (QuotaState? Next, T Result)> decide, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var found = await storage.Quotas.GetEntityIfExistsAsync<QuotaEntity>(person, QuotaEntity.Row, cancellationToken: cancellationToken);
            var stored = found.HasValue ? found.Value! : null;
            var (next, result) = decide(stored?.ToState() ?? QuotaState.Empty);
            if (next is null)
            {
                return result;
            }

            var entity = QuotaEntity.From(person, next);
            try
            {
                if (stored is null)
                {
                    await storage.Quotas.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await storage.Quotas.UpdateEntityAsync(entity, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return result;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another create or release of this person wrote first: decide again on what it wrote.
            }
        }

        throw new StorageConflictException($"Could not change the quota counter of {person} after {MaxRounds} attempts.");
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
