namespace Provisioner.Functions.TimeOuts;

/// <summary>What one sweep did: jobs looked at, failed as timed out, and entries dropped because their job had ended.</summary>
public readonly record struct SweepResult(int Watched, int TimedOut, int Released);
