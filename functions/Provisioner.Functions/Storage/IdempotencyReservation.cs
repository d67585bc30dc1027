namespace Provisioner.Functions.Storage;

/// <summary>The request an Idempotency-Key stands for: the job it made, for which agent and region.</summary>
internal sealed record IdempotencyReservation(Guid JobId, string AgentId, string Region);
