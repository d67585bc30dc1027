// A small app that breaks every rule of ArchitectureRules on purpose, read by ArchitectureRuleTests.
// Never used at run time.
#pragma warning disable CA1822, CA1812, IDE0060
namespace Provisioner.Tests.Architecture.Broken.Jobs
{
    /// <summary>A job rule that reaches a framework (Azure) and another folder (Storage).</summary>
    public static class LeakyRule
    {
        public static Azure.ETag Tag(Storage.Store store) => new(store.ToString()!);
    }
}

namespace Provisioner.Tests.Architecture.Broken.Storage
{
    /// <summary>Storage that knows a feature: with the feature's reference back, a cycle.</summary>
    public sealed class Store
    {
        public Notifications.Outbox? Outbox { get; set; }
    }
}

namespace Provisioner.Tests.Architecture.Broken.Notifications
{
    public sealed class Outbox
    {
        public Storage.Store? Store { get; set; }
    }

    /// <summary>A hub: seven dependencies.</summary>
    public sealed class Hub(Outbox a, Outbox b, Outbox c, Outbox d, Outbox e, Outbox f, Outbox g)
    {
        public IReadOnlyList<Outbox> All => [a, b, c, d, e, f, g];
    }

    /// <summary>Data with seven fields: a record, not counted.</summary>
    public sealed record Row(int A, int B, int C, int D, int E, int F, int G);
}
