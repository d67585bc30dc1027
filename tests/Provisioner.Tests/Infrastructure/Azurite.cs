using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.Tests.Infrastructure;

/// <summary>An Azurite of our own: in memory, on loopback, on free ports; stopped with the fixture.</summary>
public sealed class Azurite : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string? _location;
    private Process? _process;

    /// <summary>In memory: a restart starts empty.</summary>
    public Azurite()
    {
    }

    private Azurite(string location) => _location = location;

    private Azurite(int blob, int queue, int table)
    {
        BlobPort = blob;
        QueuePort = queue;
        TablePort = table;
    }

    /// <summary>On the ports <c>UseDevelopmentStorage=true</c> means (10000-10002), in memory. Start it with <see cref="StartAsync"/>.</summary>
    public static Azurite OnDevelopmentPorts() => new(10000, 10001, 10002);

    /// <summary>Keeps its data on disk (a temporary folder), so a restart finds it again.</summary>
    public static Azurite Persistent() => new(Directory.CreateTempSubdirectory("azurite-").FullName);

    public int BlobPort { get; private set; }
    public int QueuePort { get; private set; }
    public int TablePort { get; private set; }

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey
        + $";BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1"
        + $";QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1"
        + $";TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public async Task InitializeAsync()
    {
        BlobPort = FreePort();
        QueuePort = FreePort();
        TablePort = FreePort();
        await StartAsync();
    }

    /// <summary>Starts (or restarts, after <see cref="StopAsync"/>) Azurite on the same ports. In memory: a restart starts empty.</summary>
    public async Task StartAsync()
    {
        var bin = System.IO.Path.Combine(RepositoryRoot.Path, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(bin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {bin}: run 'npm ci' at the repository root (./test.sh does).");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            bin, "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var arg in _location is null ? new[] { "--inMemoryPersistence" } : ["--location", _location])
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await IsListeningAsync(TablePort) && await IsListeningAsync(QueuePort)))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("Azurite did not start listening within 30 s.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Stops Azurite: gracefully (SIGINT, so a persistent one saves its data), killed if it does not stop in time.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            using (var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process?.Dispose();
        _process = null;
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (_location is not null)
        {
            Directory.Delete(_location, recursive: true);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
