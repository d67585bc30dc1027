namespace Provisioner.Functions.Health;

/// <summary>The body of a healthy answer: <c>{"status":"ok"}</c>.</summary>
internal sealed record HealthReport(string Status)
{
    public static HealthReport Ok { get; } = new("ok");
}
