using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Provisioner.Functions.Http;
using Provisioner.Functions.Jobs;
using Provisioner.Functions.Status;
using Provisioner.Functions.Storage;

namespace Provisioner.Functions.Lifecycle;

/// <summary>
/// <c>POST /api/jobs/{job_id}/cancel</c>: applies <see cref="Cancellation.Request"/> under the job
/// row's ETag, then, for a dispatched job, puts a message on <c>cancel-runs</c> so the GitHub call
/// is made (and retried) by a queue function, once: the job records when it got through.
/// </summary>
internal sealed partial class CancelHandler(JobStore jobs, StorageClients storage, TimeProvider time, ILogger<CancelHandler> logger)
{
    public async Task<IResult> HandleAsync(string jobId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(jobId, out var id))
        {
            return Problems.NotFound($"There is no job \"{(jobId.Length > 80 ? jobId[..80] : jobId)}\": job ids are the GUIDs that POST /api/jobs returns.");
        }

        Cancellation.Decision? decision = null;
        var now = time.GetUtcNow();
        var job = await jobs.UpdateAsync(id, j =>
        {
            decision = Cancellation.Request(j, now);
            return decision is Cancellation.Decision.Accepted accepted ? accepted.Job : null;
        }, cancellationToken);

        switch (decision)
        {
            case null:
                return Problems.NotFound($"There is no job {id}.");
            case Cancellation.Decision.Refused refused:
                return Problems.Conflict(refused.Reason, new Dictionary<string, object?> { ["job_id"] = id });
            case Cancellation.Decision.Accepted { SendToGitHub: true }:
                await storage.Queue(CancelRunMessage.Queue).SendMessageAsync(CancelRunMessage.Create(id), cancellationToken);
                break;
        }

        LogCancel(logger, id, job!.Status);
        return new StatusDocumentResult(job, StatusCodes.Status202Accepted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: cancel requested, now {Status}")]
    private static partial void LogCancel(ILogger logger, Guid jobId, JobStatus status);
}
