namespace Provisioner.Functions.Jobs;

/// <summary>What an agent id and a region may be (docs/api.md, "Conventions"): the one place that knows.</summary>
internal static class AgentIds
{
    public const int MaxLength = 64;
    public const int MaxRegionLength = 32;

    /// <summary>Says what a valid agent id is, for a person who sent another.</summary>
    public const string Rule = "use 1 to 64 characters of A-Z a-z 0-9 _ -";

    /// <summary>Says what a valid region is, for a person who sent another.</summary>
    public const string RegionRule = "use 1 to 32 characters of a-z 0-9 -, for example \"eu-central\"";

    public static bool IsValid(string? value) =>
        value is { Length: >= 1 and <= MaxLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    public static bool IsValidRegion(string? value) =>
        value is { Length: >= 1 and <= MaxRegionLength } && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
