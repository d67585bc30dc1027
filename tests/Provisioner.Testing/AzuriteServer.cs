using System.Globalization;

namespace Provisioner.Testing;

/// <summary>
/// Azurite from the repository's node_modules, on loopback: in memory (a restart starts empty) or
/// persistent (a temporary folder, so a restart finds the data again); on free ports or on the
/// ports <c>UseDevelopmentStorage=true</c> means (10000-10002).
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
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

    /// <summary>In memory, on free ports chosen when it first starts.</summary>
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

    /// <summary>Picks new free ports (takes effect at the next start).</summary>
    public void UseFreePorts()
    {
        BlobPort = LoopbackPorts.Free();
        QueuePort = LoopbackPorts.Free();
        TablePort = LoopbackPorts.Free();
    }

    /// <summary>Starts (or starts again, after <see cref="StopAsync"/>) on the same ports, and waits until the table and queue services listen.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Azurite is already running.");
        }

        // Ports picked here are free when picked, not when Azurite binds them: another process
        // (a parallel test run) can take one in between. Then new ones are picked, a few times.
        // Ports fixed before (the development ports, or a restart keeping its address) are not changed.
        var pickedHere = TablePort == 0;
        for (var attempt = 1; ; attempt++)
        {
            if (pickedHere)
            {
                UseFreePorts();
            }

            try
            {
                await StartOnceAsync();
                return;
            }
            catch (InvalidOperationException e) when (pickedHere && attempt < 3 && e.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                // The message carries Azurite's output; try again on other ports.
            }
        }
    }

    private async Task StartOnceAsync()
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
            await _process.WaitUntilReadyAsync(async () => await LoopbackPorts.IsListeningAsync(TablePort) && await LoopbackPorts.IsListeningAsync(QueuePort), TimeSpan.FromSeconds(30));
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

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
