using Azure.Data.Tables;
using Azure.Storage.Queues;
using Provisioner.Functions.Storage;
using Provisioner.Tests.Infrastructure;

namespace Provisioner.Tests.Identity;

/// <summary>
/// The ids of used tokens are kept until their token expires, then removed by the hourly timer
/// (docs/identity.md, "Single use"): an expired id goes, one still valid (or within the clock skew)
/// stays and still refuses a second use.
/// </summary>
[Collection(SharedAzurite.Name)]
public sealed class UsedTokensCleanupTests(Azurite azurite)
{
    [Fact]
    public async Task RemoveExpired_DeletesTheIdsOfExpiredTokens_AndKeepsTheOthersRefusingASecondUse()
    {
        var tables = new TableServiceClient(azurite.ConnectionString);
        await tables.GetTableClient(StorageNames.UsedTokensTable).CreateIfNotExistsAsync();
        var used = new UsedTokens(new StorageClients(tables, new QueueServiceClient(azurite.ConnectionString)));
        var now = DateTimeOffset.UtcNow;
        var issuer = "https://issuer.test/" + Guid.NewGuid().ToString("N");

        Assert.True(await used.TryUseAsync(issuer, "expired", now.AddHours(-1), CancellationToken.None));
        Assert.True(await used.TryUseAsync(issuer, "just-expired", now.AddMinutes(-1), CancellationToken.None)); // within the clock skew
        Assert.True(await used.TryUseAsync(issuer, "valid", now.AddMinutes(10), CancellationToken.None));

        Assert.True(await used.RemoveExpiredAsync(now, CancellationToken.None) >= 1); // the shared table may hold other tests' expired ids too

        Assert.True(await used.TryUseAsync(issuer, "expired", now.AddHours(-1), CancellationToken.None)); // its row is gone
        Assert.False(await used.TryUseAsync(issuer, "just-expired", now.AddMinutes(-1), CancellationToken.None));
        Assert.False(await used.TryUseAsync(issuer, "valid", now.AddMinutes(10), CancellationToken.None));
    }
}
