using Provisioner.Functions.Status;

namespace Provisioner.Functions.Notifications;

/// <summary>What a notification carries: <c>{"type", "timestamp", "data": &lt;status document&gt;}</c>.</summary>
internal sealed record EventBody(string Type, DateTimeOffset Timestamp, StatusDocument Data);
