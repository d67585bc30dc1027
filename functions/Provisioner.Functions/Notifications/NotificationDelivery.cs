using System.Net.Http.Headers;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.ReceiveCallback;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Notifications;

/// <summary>
/// Delivers one <c>notifications</c> message: the outbox row it points at, signed with Standard
/// Webhooks v1 (<c>webhook-id</c> the same on every attempt, a fresh <c>webhook-timestamp</c>
/// and signature each time). A <c>2xx</c> answer acknowledges it; <c>410</c> stops it; anything
/// else (or no answer) is tried again later by putting the next attempt on the queue hidden for
/// the back-off (<see cref="RetrySchedule"/>), never by waiting in the function. After the last
/// attempt the event goes to the dead-letter table. Storage failures are thrown, so the queue
/// delivers the message again; its last delivery lands in the poison queue.
/// </summary>
internal sealed partial class NotificationDelivery(
    StorageClients storage,
    IHttpClientFactory httpClients,
    IOptions<NotifyOptions> options,
    TimeProvider time,
    ILogger<NotificationDelivery> logger)
{
    public const string HttpClientName = "notifications";

    /// <summary>How long a receiver may take to answer; longer counts as a failed attempt.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The jitter source; tests set a seeded one.</summary>
    public Random Random { get; set; } = Random.Shared;

    public Task HandleAsync(string message, CancellationToken cancellationToken) =>
        HandleAsync(NotificationMessage.TryParse(message), cancellationToken);

    /// <summary>A message as the queue trigger binds it; one that is not valid (<see cref="NotificationMessage.IsValid"/>) is dropped as unreadable.</summary>
    public async Task HandleAsync(NotificationMessage? message, CancellationToken cancellationToken)
    {
        if (message is not { } parsed || !parsed.IsValid)
        {
            LogUnreadable(logger);
            return;
        }

        var settings = options.Value;
        if (!settings.Enabled)
        {
            LogDisabled(logger, parsed.JobId, parsed.Event);
            return;
        }

        var found = await storage.Jobs.GetEntityIfExistsAsync<OutboxEntity>(JobEntity.Key(parsed.JobId), parsed.Event, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            LogUnknown(logger, parsed.JobId, parsed.Event);
            return;
        }

        var row = found.Value!;
        if (row.State != OutboxEntity.Pending || parsed.Attempt <= row.Attempts)
        {
            // Acknowledged, stopped, given up, or a stale copy of an attempt already made: never sent twice.
            LogSkipped(logger, parsed.JobId, row.Type, row.WebhookId, row.State, parsed.Attempt);
            return;
        }

        var now = time.GetUtcNow();
        if (row.NextAttemptAt is { } due && due > now)
        {
            // Here before its time (a receiver's Retry-After, or a copy made visible early): wait the rest, on the queue.
            await storage.NotifyQueue.SendMessageAsync(parsed.Serialize(), due - now, cancellationToken: cancellationToken);
            return;
        }

        var answer = await SendAsync(settings, row, now, cancellationToken);
        now = time.GetUtcNow();
        if (answer.Status is >= 200 and < 300)
        {
            await MergeAsync(row, cancellationToken, (nameof(OutboxEntity.State), OutboxEntity.Delivered), (nameof(OutboxEntity.DeliveredAt), now),
                (nameof(OutboxEntity.Attempts), parsed.Attempt), (nameof(OutboxEntity.LastStatus), answer.Status), (nameof(OutboxEntity.LastError), null));
            LogDelivered(logger, parsed.JobId, row.Type, row.WebhookId, parsed.Attempt);
            return;
        }

        if (answer.Status == 410)
        {
            await DeadLetterAsync(row, parsed.Attempt, answer, "gone", now, cancellationToken);
            await MergeAsync(row, cancellationToken, (nameof(OutboxEntity.State), OutboxEntity.Gone), (nameof(OutboxEntity.Attempts), parsed.Attempt), (nameof(OutboxEntity.LastStatus), 410));
            LogGone(logger, parsed.JobId, row.Type, row.WebhookId);
            return;
        }

        var schedule = RetrySchedule.From(settings);
        if (schedule.GivesUp(parsed.Attempt, row.Since, now))
        {
            await DeadLetterAsync(row, parsed.Attempt, answer, "gave_up", now, cancellationToken);
            await MergeAsync(row, cancellationToken, (nameof(OutboxEntity.State), OutboxEntity.Dead), (nameof(OutboxEntity.Attempts), parsed.Attempt),
                (nameof(OutboxEntity.LastStatus), answer.Status), (nameof(OutboxEntity.LastError), answer.Error));
            LogGaveUp(logger, parsed.JobId, row.Type, row.WebhookId, parsed.Attempt);
            return;
        }

        var delay = schedule.Delay(parsed.Attempt, answer.RetryAfter, Random);

        // The next attempt is on the queue before this one is recorded: a crash in between
        // repeats this attempt (at least once), never loses the event.
        await storage.NotifyQueue.SendMessageAsync((parsed with { Attempt = parsed.Attempt + 1 }).Serialize(), delay, cancellationToken: cancellationToken);
        await MergeAsync(row, cancellationToken, (nameof(OutboxEntity.Attempts), parsed.Attempt), (nameof(OutboxEntity.LastStatus), answer.Status),
            (nameof(OutboxEntity.LastError), answer.Error), (nameof(OutboxEntity.NextAttemptAt), now + delay));
        LogRetrying(logger, parsed.JobId, row.Type, row.WebhookId, parsed.Attempt, answer.Status, RetrySchedule.Describe(delay));
    }

    /// <summary>A message the queue gave up on (storage failed on every delivery): dead-lettered, unless it was delivered after all.</summary>
    public Task HandlePoisonAsync(string message, CancellationToken cancellationToken) =>
        HandlePoisonAsync(NotificationMessage.TryParse(message), cancellationToken);

    /// <summary>For the poison queue, as the queue trigger binds the message.</summary>
    public async Task HandlePoisonAsync(NotificationMessage? message, CancellationToken cancellationToken)
    {
        if (message is not { } parsed || !parsed.IsValid)
        {
            LogUnreadable(logger);
            return;
        }

        var found = await storage.Jobs.GetEntityIfExistsAsync<OutboxEntity>(JobEntity.Key(parsed.JobId), parsed.Event, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value!.State != OutboxEntity.Pending)
        {
            return;
        }

        var row = found.Value;
        await DeadLetterAsync(row, parsed.Attempt, new Answer(null, null, "the delivery failed on every try (poison queue)"), "gave_up", time.GetUtcNow(), cancellationToken);
        await MergeAsync(row, cancellationToken, (nameof(OutboxEntity.State), OutboxEntity.Dead));
        LogGaveUp(logger, parsed.JobId, row.Type, row.WebhookId, parsed.Attempt);
    }

    private async Task<Answer> SendAsync(NotifyOptions settings, OutboxEntity row, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(row.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in StandardWebhookSigner.Sign(settings.Keys, row.WebhookId, now, body))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AnswerTimeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return new Answer(status, RetrySchedule.RetryAfter(response.Headers.RetryAfter, now), status is >= 200 and < 300 ? null : $"answered {status}");
        }
        catch (HttpRequestException e)
        {
            LogNoAnswer(logger, row.PartitionKey, row.Type, row.WebhookId, e);
            return new Answer(null, null, $"no answer ({e.HttpRequestError})");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogNoAnswer(logger, row.PartitionKey, row.Type, row.WebhookId, e);
            return new Answer(null, null, $"no answer within {AnswerTimeout.TotalSeconds:0} s");
        }
    }

    private async Task DeadLetterAsync(OutboxEntity row, int attempt, Answer answer, string reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        await storage.NotifyDeadLetters.UpsertEntityAsync(
            new DeadLetterEntity
            {
                RowKey = row.WebhookId,
                JobId = row.PartitionKey,
                EventRow = row.RowKey,
                Type = row.Type,
                RaisedAt = row.RaisedAt,
                DeadAt = now,
                Attempts = attempt,
                LastStatus = answer.Status,
                LastError = answer.Error,
                Reason = reason,
            },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>Merges only the named properties: the rest of the row (its body, its id) is never rewritten.</summary>
    private async Task MergeAsync(OutboxEntity row, CancellationToken cancellationToken, params (string Name, object? Value)[] properties)
    {
        var entity = new TableEntity(row.PartitionKey, row.RowKey);
        foreach (var (name, value) in properties)
        {
            entity[name] = value;
        }

        await storage.Jobs.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    private sealed record Answer(int? Status, TimeSpan? RetryAfter, string? Error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A notifications message is not readable; dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: notification {Event} not sent: NOTIFY_URL is not set (any more)")]
    private static partial void LogDisabled(ILogger logger, Guid jobId, string @event);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: notification {Event} has no outbox row; dropped")]
    private static partial void LogUnknown(ILogger logger, Guid jobId, string @event);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId}: {Type} {WebhookId} is {State}; attempt {Attempt} skipped")]
    private static partial void LogSkipped(ILogger logger, Guid jobId, string type, string webhookId, string state, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {Type} {WebhookId} delivered on attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, Guid jobId, string type, string webhookId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Type} {WebhookId}: the receiver answered 410 Gone; delivery stopped and the event dead-lettered")]
    private static partial void LogGone(ILogger logger, Guid jobId, string type, string webhookId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: {Type} {WebhookId} not delivered after {Attempt} attempts; dead-lettered")]
    private static partial void LogGaveUp(ILogger logger, Guid jobId, string type, string webhookId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Type} {WebhookId} attempt {Attempt} failed (status {Status}); next attempt in {Delay}")]
    private static partial void LogRetrying(ILogger logger, Guid jobId, string type, string webhookId, int attempt, int? status, string delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Type} {WebhookId}: the receiver did not answer")]
    private static partial void LogNoAnswer(ILogger logger, string jobId, string type, string webhookId, Exception exception);
}
