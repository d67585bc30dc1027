using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.Bench;

/// <summary>Azurite in memory on free loopback ports, from the repository's node_modules.</summary>
internal sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AzuriteProcess(Process process, int blob, int queue, int table)
    {
        _process = process;
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            + "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
            + $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> Tail = new();

    private static void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        Tail.Enqueue(line);
        while (Tail.Count > 20 && Tail.TryDequeue(out _))
        {
        }
    }

    public static async Task<AzuriteProcess> StartAsync(string repositoryRoot)
    {
        var script = Path.Combine(repositoryRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script}): run 'npm ci' at the repository root.");
        }

        int blob = FreePort(), queue = FreePort(), table = FreePort();
        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            script, "--inMemoryPersistence", "--silent", "--disableTelemetry", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--blobPort", Port(blob), "--queueHost", "127.0.0.1", "--queuePort", Port(queue),
            "--tableHost", "127.0.0.1", "--tablePort", Port(table),
        })
        {
            start.ArgumentList.Add(arg);
        }

        // 100,000 stored jobs and the callback rows of a run need more than node's default heap.
        start.Environment["NODE_OPTIONS"] = "--max-old-space-size=8192";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _ = process.ExitCode == 137 ? 0 : Report($"azurite exited ({process.ExitCode}); its last lines:{Environment.NewLine}{string.Join(Environment.NewLine, Tail)}");

        static int Report(string text)
        {
            Console.Error.WriteLine(text);
            return 0;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, table);
                return new AzuriteProcess(process, blob, queue, table);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException("Azurite did not start.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
