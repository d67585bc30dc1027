using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.Http;

/// <summary>Reads a request body through the request's own body reader, refusing one over a limit before it is read whole.</summary>
internal static class BoundedBody
{
    /// <summary>
    /// The body; or a problem when it is over <paramref name="limit"/> bytes (declared or actual),
    /// or when the caller sent something that is not a readable body (a malformed chunk, a body
    /// shorter than its Content-Length). Those are the caller's faults, never a storage outage.
    /// </summary>
    public static async Task<BodyRead> ReadAsync(HttpRequest request, int limit, string tooLargeHint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > limit)
        {
            return BodyRead.Refused(Problems.PayloadTooLarge(limit, tooLargeHint));
        }

        var reader = request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (buffer.Length > limit)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    return BodyRead.Refused(Problems.PayloadTooLarge(limit, tooLargeHint));
                }

                if (result.IsCompleted)
                {
                    var body = buffer.ToArray();
                    reader.AdvanceTo(buffer.End);
                    return BodyRead.Read(body);
                }

                // Nothing consumed, everything seen: the next read returns more, or the end.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's verdict on the framing: a bad chunk size, a body cut short, a body sent too slowly.
            return BodyRead.Refused(Problems.BadRequest($"The request body could not be read ({e.Message.TrimEnd('.')}). Send a complete body with a correct Content-Length or valid chunked encoding."));
        }
    }
}
