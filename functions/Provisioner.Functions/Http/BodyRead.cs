using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.Http;

/// <summary>What <see cref="BoundedBody.ReadAsync"/> got: the body, or the problem to answer instead.</summary>
internal sealed record BodyRead(ReadOnlyMemory<byte> Body, IResult? Problem)
{
    public static BodyRead Read(ReadOnlyMemory<byte> body) => new(body, null);

    public static BodyRead Refused(IResult problem) => new(ReadOnlyMemory<byte>.Empty, problem);
}
