using System.Globalization;

namespace Provisioner.LocalRunner;

/// <summary>
/// The runner's command line. <c>--port</c> and <c>--cors</c> mean what they mean to
/// <c>func start</c>; <c>--web</c> is the runner's one addition, and only when asked for: it
/// serves the status page's folder at <c>/</c>, as a Static Web App would. Nothing here is a
/// setting the app reads.
/// </summary>
public sealed record RunnerArguments(int? Port, string? Cors, string? WebRoot)
{
    public const string Usage = "Usage: Provisioner.LocalRunner [--port <port>] [--cors <origins>] [--web <folder>]";

    public static RunnerArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int? port = null;
        string? cors = null, web = null;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (args[i])
            {
                case "--port":
                    port = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
                        ? p
                        : throw new ArgumentException($"--port must be a TCP port, not \"{value}\".");
                    break;
                case "--cors":
                    cors = value;
                    break;
                case "--web":
                    web = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument \"{args[i]}\". {Usage}");
            }

            i++;
        }

        return new RunnerArguments(port, cors, web);
    }
}
