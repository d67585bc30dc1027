using Microsoft.AspNetCore.Http;

namespace Provisioner.Functions.Http;

/// <summary>Reads a request body up to a limit, refusing a larger one before it is read whole.</summary>
public static class BoundedBody
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

        var buffer = new byte[Math.Min(limit + 1, (int)(request.ContentLength ?? 4096) + 1)];
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > limit)
                    {
                        return BodyRead.Refused(Problems.PayloadTooLarge(limit, tooLargeHint));
                    }

                    Array.Resize(ref buffer, Math.Min(limit + 1, buffer.Length * 2));
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return BodyRead.Read(buffer.AsMemory(0, length));
                }

                length += read;
                if (length > limit)
                {
                    return BodyRead.Refused(Problems.PayloadTooLarge(limit, tooLargeHint));
                }
            }
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's verdict on the framing: a bad chunk size, a body cut short, a body sent too slowly.
            return BodyRead.Refused(Problems.BadRequest($"The request body could not be read ({e.Message.TrimEnd('.')}). Send a complete body with a correct Content-Length or valid chunked encoding."));
        }
    }
}
