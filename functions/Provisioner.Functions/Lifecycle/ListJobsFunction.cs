using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Provisioner.Functions.Identity;

namespace Provisioner.Functions.Lifecycle;

public sealed class ListJobsFunction(IServiceProvider services)
{
    private readonly JobListHandler handler = services.GetRequiredService<JobListHandler>();

    [Function("ListJobs")]
    [Access(Access.JobReader)]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "jobs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        handler.AllAsync(request, cancellationToken);
}
