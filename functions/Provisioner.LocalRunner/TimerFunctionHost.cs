using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace Provisioner.LocalRunner;

/// <summary>Drives one timer-triggered function on its NCRONTAB schedule (six fields, seconds first, UTC), as the Functions host does, each run through the app's worker middleware (<see cref="FunctionPipeline"/>).</summary>
public sealed partial class TimerFunctionHost(FunctionEntry function, IConfiguration configuration, TimeProvider time, IServiceScopeFactory scopes, FunctionPipeline pipeline, ILogger<TimerFunctionHost> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var expression = ((TimerTriggerAttribute)function.TriggerAttribute).Schedule;
        if (expression.StartsWith('%') && expression.EndsWith('%'))
        {
            expression = configuration[expression.Trim('%')] ?? throw new InvalidOperationException($"{function.Name}: the schedule setting {expression} is not set.");
        }

        var schedule = CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 });
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
                using var scope = scopes.CreateScope();
                await pipeline.InvokeAsync(function, scope.ServiceProvider, new TimerInfo { IsPastDue = false }, null, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // As on the host: a failed run is logged and the schedule goes on.
                LogFailed(logger, function.Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function}: timer run failed")]
    private static partial void LogFailed(ILogger logger, string function, Exception exception);
}
