namespace Provisioner.Tests.Infrastructure;

/// <summary>Tests that need the ports <c>UseDevelopmentStorage=true</c> means (10000-10002) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DevelopmentStoragePorts
{
    public const string Name = "development storage ports";
}
