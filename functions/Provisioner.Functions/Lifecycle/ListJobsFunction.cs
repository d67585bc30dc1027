using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class ListJobsFunction(JobListHandler handler)
{
    [Function("ListJobs")]
    [Access(Access.Reader)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.AllAsync(request, cancellationToken);
}
