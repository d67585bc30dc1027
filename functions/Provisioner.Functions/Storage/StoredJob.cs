using Azure;
using Provisioner.Functions.Jobs;

namespace Provisioner.Functions.Storage;

/// <summary>A job as read, with the ETag that guards writing it back.</summary>
public sealed record StoredJob(Job Job, ETag ETag);
