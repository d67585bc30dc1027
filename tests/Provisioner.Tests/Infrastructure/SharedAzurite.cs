namespace Provisioner.Tests.Infrastructure;

/// <summary>Tests that share one Azurite. Each test uses fresh job and agent ids, so they do not see each other.</summary>
[CollectionDefinition(Name)]
public sealed class SharedAzurite : ICollectionFixture<Azurite>
{
    public const string Name = "azurite";
}
