namespace Provisioner.Cli;

/// <summary>One server-sent event: its id (null when the event set none) and data.</summary>
internal sealed record ServerSentEvent(string? Id, string Type, string Data);
