namespace Provisioner.LocalRunner;

/// <summary>A queue or timer trigger the runner drives, described as functions.metadata describes it.</summary>
/// <param name="Function">The function's name.</param>
/// <param name="Type"><c>queueTrigger</c> or <c>timerTrigger</c>.</param>
/// <param name="QueueName">The queue (queue triggers).</param>
/// <param name="Connection">The app setting holding the storage connection (queue triggers).</param>
/// <param name="Schedule">The NCRONTAB schedule (timer triggers).</param>
public sealed record DrivenTrigger(string Function, string Type, string? QueueName, string? Connection, string? Schedule);
