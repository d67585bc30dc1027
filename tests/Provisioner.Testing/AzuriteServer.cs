using System.Globalization;

namespace Provisioner.Testing;

/// <summary>
/// Azurite from the repository's node_modules, on loopback: in memory (a restart starts empty) or
/// persistent (a temporary folder, so a restart finds the data again); on free ports or on the
/// ports <c>UseDevelopmentStorage=true</c> means (10000-10002).
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string? _location;
    private ChildProcess? _process;

    private AzuriteServer(string? location, int blob, int queue, int table)
    {
        _location = location;
        BlobPort = blob;
        QueuePort = queue;
        TablePort = table;
    }

    /// <summary>In memory, on free ports the system gives it when it first starts.</summary>
    public static AzuriteServer InMemory() => new(null, 0, 0, 0);

    /// <summary>In memory, on 10000-10002.</summary>
    public static AzuriteServer OnDevelopmentPorts() => new(null, 10000, 10001, 10002);

    /// <summary>Keeps its data in a temporary folder (deleted on dispose), on free ports chosen when it first starts.</summary>
    public static AzuriteServer Persistent() => new(Directory.CreateTempSubdirectory("azurite-").FullName, 0, 0, 0);

    public int BlobPort { get; private set; }
    public int QueuePort { get; private set; }
    public int TablePort { get; private set; }

    /// <summary>Node's heap limit in MiB, when the default is too small (many stored rows); null leaves node's default.</summary>
    public int? MaxOldSpaceMegabytes { get; set; }

    public bool IsRunning => _process is { HasExited: false };

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey}"
        + $";BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName}"
        + $";QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName}"
        + $";TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    /// <summary>Forgets the ports: the next start takes the free ones the system gives it.</summary>
    public void UseFreePorts() => (BlobPort, QueuePort, TablePort) = (0, 0, 0);

    /// <summary>Starts (or starts again, after <see cref="StopAsync"/>) on the same ports, and waits until the table and queue services listen.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Azurite is already running.");
        }

        // Ports not fixed yet are left to the OS (port 0): Azurite says which it got. Picking free
        // ports first and passing them leaves a window in which another process (a parallel test
        // run) can take one; a restart keeps the ports it has, so its clients reach it again.
        await StartOnceAsync(askTheSystem: TablePort == 0);
    }

    private async Task StartOnceAsync(bool askTheSystem)
    {
        var script = Path.Combine(RepositoryRoot.Path, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}: run 'npm ci' at the repository root (./test.sh does).");
        }

        List<string> args =
        [
            script, "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--blobPort", Port(BlobPort),
            "--queueHost", "127.0.0.1", "--queuePort", Port(QueuePort),
            "--tableHost", "127.0.0.1", "--tablePort", Port(TablePort),
            .. _location is null ? ["--inMemoryPersistence"] : new[] { "--location", _location },
        ];
        var environment = new Dictionary<string, string?>();
        if (MaxOldSpaceMegabytes is { } heap)
        {
            environment["NODE_OPTIONS"] = $"--max-old-space-size={Port(heap)}";
        }

        // SIGINT, so a persistent one saves its data before it exits.
        _process = ChildProcess.Start(new ChildProcessOptions("node", args) { Environment = environment, StopSignal = "INT", StopGrace = TimeSpan.FromSeconds(10) });
        try
        {
            await _process.WaitUntilReadyAsync(
                async () => (!askTheSystem || ReadPorts(_process.StandardOutput)) && await LoopbackPorts.IsListeningAsync(TablePort) && await LoopbackPorts.IsListeningAsync(QueuePort),
                // Node starts Azurite in a second or two; on a shared machine under a full test run it has taken over 30.
                TimeSpan.FromSeconds(90));
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>Stops it: gracefully (SIGINT), killed if it does not stop within 10 s.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>What Azurite wrote (with --silent: only its errors), for a failure message.</summary>
    public string Output => _process?.Output ?? string.Empty;

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_location is not null && Directory.Exists(_location))
        {
            Directory.Delete(_location, recursive: true);
        }
    }

    /// <summary>Takes the ports from Azurite's "… service is successfully listening at http://127.0.0.1:PORT" lines; false until all three are there.</summary>
    private bool ReadPorts(string output)
    {
        var ports = ListeningAt().Matches(output).ToDictionary(m => m.Groups["service"].Value, m => int.Parse(m.Groups["port"].Value, CultureInfo.InvariantCulture));
        if (!ports.TryGetValue("Blob", out var blob) || !ports.TryGetValue("Queue", out var queue) || !ports.TryGetValue("Table", out var table))
        {
            return false;
        }

        (BlobPort, QueuePort, TablePort) = (blob, queue, table);
        return true;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at http://127\.0\.0\.1:(?<port>[0-9]+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningAt();

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
