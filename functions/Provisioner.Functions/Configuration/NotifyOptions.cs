using Microsoft.Extensions.Configuration;

namespace Provisioner.Functions.Configuration;

/// <summary>Where notifications go, the secret they are signed with, and how hard delivery tries (docs/notifications.md).</summary>
public sealed class NotifyOptions
{
    public const string UrlSetting = "NOTIFY_URL";
    public const string SecretSetting = "NOTIFY_SECRET";
    public const string RetryBaseSetting = "NOTIFY_RETRY_BASE_SECONDS";
    public const string RetryMaxSetting = "NOTIFY_RETRY_MAX_SECONDS";
    public const string MaxAttemptsSetting = "NOTIFY_MAX_ATTEMPTS";
    public const string GiveUpSetting = "NOTIFY_GIVE_UP_HOURS";

    /// <summary>The receiver's URL (http or https). With <see cref="Secret"/>, or not at all.</summary>
    [ConfigurationKeyName(UrlSetting)]
    public string? Url { get; set; }

    /// <summary>The Standard Webhooks secret, <c>whsec_</c> + base64, shared with the receiver.</summary>
    [ConfigurationKeyName(SecretSetting)]
    public string? Secret { get; set; }

    /// <summary>The first retry waits up to this many seconds; each further one up to twice as long (full jitter).</summary>
    [ConfigurationKeyName(RetryBaseSetting)]
    public double RetryBaseSeconds { get; set; } = 5;

    /// <summary>The most one retry waits, in seconds (also caps a receiver's <c>Retry-After</c>).</summary>
    [ConfigurationKeyName(RetryMaxSetting)]
    public double RetryMaxSeconds { get; set; } = 3600;

    /// <summary>Attempts before an event is dead-lettered.</summary>
    [ConfigurationKeyName(MaxAttemptsSetting)]
    public int MaxAttempts { get; set; } = 15;

    /// <summary>Hours after the event before it is dead-lettered, whatever the attempt count.</summary>
    [ConfigurationKeyName(GiveUpSetting)]
    public double GiveUpHours { get; set; } = 24;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url) && !string.IsNullOrWhiteSpace(Secret);

    internal SigningKeys Keys => SigningKeys.TryCreate(Secret ?? "", out var keys, out _) ? keys : throw new InvalidOperationException($"{SecretSetting} is not valid");


    /// <summary>The longest one retry may wait: a queue message can be hidden for at most 7 days; keep well inside it.</summary>
    public static readonly TimeSpan LongestRetryDelay = TimeSpan.FromDays(6);
}
