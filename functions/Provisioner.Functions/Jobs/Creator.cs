namespace Provisioner.Functions.Jobs;

/// <summary>The person who created a job, as their token named them: object id and display name.</summary>
internal sealed record Creator(string Id, string? Name);
