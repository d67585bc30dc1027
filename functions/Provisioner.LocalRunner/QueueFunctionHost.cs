using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Storage;

namespace Provisioner.LocalRunner;

/// <summary>
/// Drives one queue-triggered function, each message through the app's worker middleware
/// (<see cref="FunctionPipeline"/>), with the Functions host's semantics: messages fetched in
/// batches of <c>batchSize</c>; deleted when the function succeeds; made visible again after
/// <c>visibilityTimeout</c> when it throws; moved to <c>{queue}-poison</c> after
/// <c>maxDequeueCount</c> failed deliveries; polling backs off to <c>maxPollingInterval</c>
/// while the queue is empty. Messages are decoded with host.json's <c>messageEncoding</c>, the
/// encoding <see cref="StorageClients"/> wrote them in.
/// </summary>
internal sealed partial class QueueFunctionHost(FunctionEntry function, QueueHostSettings settings, StorageClients storage, IServiceScopeFactory scopes, FunctionPipeline pipeline, ILogger<QueueFunctionHost> logger)
    : BackgroundService
{
    /// <summary>How long a fetched message stays invisible while the function runs (the host renews it; a local run finishes well within it).</summary>
    private static readonly TimeSpan ProcessingLease = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queueName = ((QueueTriggerAttribute)function.TriggerAttribute).QueueName;
        var queue = storage.Queue(queueName);
        var poison = storage.Queue(queueName + "-poison");
        var idle = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            QueueMessage[] messages;
            try
            {
                await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                messages = (await queue.ReceiveMessagesAsync(settings.BatchSize, ProcessingLease, stoppingToken)).Value;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && StorageFailures.IsUnavailable(e, stoppingToken))
            {
                LogPollFailed(logger, queueName, e);
                messages = [];
            }

            if (messages.Length == 0)
            {
                await Delay(idle, stoppingToken);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, settings.MaxPollingInterval.Ticks));
                continue;
            }

            idle = TimeSpan.FromMilliseconds(100);
            await Task.WhenAll(messages.Select(m => ProcessAsync(queue, poison, m, stoppingToken)));
        }
    }

    private async Task ProcessAsync(QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            using var scope = scopes.CreateScope();
            await pipeline.InvokeAsync(function, scope.ServiceProvider, message.Body.ToString(), null, stoppingToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (message.DequeueCount >= settings.MaxDequeueCount)
                {
                    LogPoisoned(logger, function.Name, message.MessageId, message.DequeueCount, e);
                    await poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
                    await poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                }
                else
                {
                    LogFailed(logger, function.Name, message.MessageId, message.DequeueCount, e);
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None);
                }
            }
            catch (Exception storageError) when (StorageFailures.IsUnavailable(storageError, CancellationToken.None))
            {
                // The message becomes visible again when its lease ends: nothing is lost.
                LogPollFailed(logger, function.Name, storageError);
            }
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function}: message {MessageId} failed on delivery {DequeueCount}; it will be delivered again")]
    private static partial void LogFailed(ILogger logger, string function, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function}: message {MessageId} failed on delivery {DequeueCount} of the maximum; moved to the poison queue")]
    private static partial void LogPoisoned(ILogger logger, string function, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Queue}: storage unavailable")]
    private static partial void LogPollFailed(ILogger logger, string queue, Exception exception);
}
