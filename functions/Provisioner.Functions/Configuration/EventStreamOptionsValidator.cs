using System.Globalization;
using Microsoft.Extensions.Options;

namespace Provisioner.Functions.Configuration;

/// <summary>Stops start-up, naming the setting, when the event streams could not keep their promises.</summary>
internal sealed class EventStreamOptionsValidator : IValidateOptions<EventStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, EventStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxStreams is < 1 or > 100_000)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{EventStreamOptions.MaxStreamsSetting} must be a whole number from 1 to 100000, not {options.MaxStreams}: it is how many job event streams one instance keeps open."));
        }

        if (options.StreamSeconds is not (> 0 and <= EventStreamOptions.MaxStreamSeconds))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{EventStreamOptions.StreamSecondsSetting} must be more than 0 and at most {EventStreamOptions.MaxStreamSeconds} seconds, not {options.StreamSeconds}: the Functions front end cuts a request at 230 s, so a stream ends itself before."));
        }

        if (options.KeepAliveSeconds is not (> 0 and <= EventStreamOptions.MaxKeepAliveSeconds))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{EventStreamOptions.KeepAliveSecondsSetting} must be more than 0 and at most {EventStreamOptions.MaxKeepAliveSeconds} seconds, not {options.KeepAliveSeconds}: a stream sends a comment line at least that often."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
