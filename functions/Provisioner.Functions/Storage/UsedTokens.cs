using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Provisioner.Functions.Storage;

/// <summary>
/// The ids of tokens already used (the <c>usedtokens</c> table): one insert per id, so of two
/// requests with one token exactly one gets in, whichever instance serves it. A row is kept
/// until its token expires; a later use of an expired id is refused by the token's own expiry
/// before it gets here, and an expired row may be removed at any time (<see cref="RemoveExpiredAsync"/>,
/// hourly).
/// </summary>
internal sealed class UsedTokens(StorageClients storage)
{
    /// <summary>Room for the clocks of the issuer and this app to differ: a row is removed this long after its token's expiry.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>True when <paramref name="tokenId"/> was not used before and is now recorded as used; false when it was.</summary>
    public async Task<bool> TryUseAsync(string issuer, string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokenId);

        // Hashed: a jti is the issuer's to shape, and table keys forbid some characters.
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(issuer + "\n" + tokenId)));
        try
        {
            await storage.UsedTokens.AddEntityAsync(
                new TableEntity(key[..2], key) { ["ExpiresAt"] = expiresAt },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Deletes the rows of tokens that expired before <paramref name="now"/> (less <see cref="ClockSkew"/>); how many.</summary>
    public async Task<int> RemoveExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The table holds only tokens within their lifetime (minutes) and what the last run left,
        // so this read stays small.
        var filter = TableClient.CreateQueryFilter($"ExpiresAt lt {now - ClockSkew}");
        var removed = 0;
        await foreach (var row in storage.UsedTokens.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            var response = await storage.UsedTokens.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            removed += response.Status == 404 ? 0 : 1; // another instance's run got there first
        }

        return removed;
    }
}
