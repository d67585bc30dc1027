namespace Provisioner.Functions.Http;

/// <summary>The problem documents the API answers with.</summary>
internal static class Problems
{
    public const int StorageRetryAfterSeconds = 5;

    public static ProblemResult BadRequest(string detail) => new(400, "The request is not valid", detail);

    public static ProblemResult Unauthorized(string detail) => new(401, "The callback signature is not valid", detail);

    public static ProblemResult NotFound(string detail) => new(404, "Not found", detail);

    public static ProblemResult Conflict(string detail, IReadOnlyDictionary<string, object?>? extensions = null) => new(409, "Conflict", detail, extensions);

    public static ProblemResult PayloadTooLarge(int limit, string what) =>
        new(413, "The body is too large", $"The body is over {limit / 1024} KiB; {what}.");

    public static ProblemResult UnsupportedMediaType(string detail) => new(415, "Unsupported content type", detail);

    public static ProblemResult Unprocessable(string detail) => new(422, "The request cannot be processed", detail);

    public static ProblemResult Unhealthy(string detail) =>
        new(503, "The service is unhealthy", detail, retryAfterSeconds: StorageRetryAfterSeconds);

    public static ProblemResult StorageUnavailable(string detail) =>
        new(503, "Storage is unavailable", detail, retryAfterSeconds: StorageRetryAfterSeconds);
}
