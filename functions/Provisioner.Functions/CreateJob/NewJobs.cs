using Microsoft.Extensions.Options;
using Provisioner.Functions.Configuration;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.CreateJob;

/// <summary>
/// Makes the job a create stores: the clock and the settings a new job takes (its lifetime:
/// <c>ttl_minutes</c>, else <c>DEFAULT_TTL_MINUTES</c>; docs/lifetime.md), and whether its creator
/// may create it now (<see cref="ICreateAdmission"/>: the quotas), so the handler does not grow a
/// parameter per concern.
/// </summary>
internal sealed class NewJobs(TimeProvider time, IOptions<LifetimeOptions> lifetime, ICreateAdmission admission)
{
    public ICreateAdmission Admission => admission;

    public DateTimeOffset Now => time.GetUtcNow();

    public Job For(Guid jobId, CreateJobRequest create, Creator? createdBy)
    {
        ArgumentNullException.ThrowIfNull(create);
        return Job.Create(jobId, create.AgentId, create.Region, Now) with
        {
            CreatedBy = createdBy,
            TtlMinutes = create.TtlMinutes ?? lifetime.Value.DefaultTtlMinutes,
        };
    }
}
