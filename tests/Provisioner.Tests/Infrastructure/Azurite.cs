using Provisioner.Testing;

namespace Provisioner.Tests.Infrastructure;

/// <summary>
/// An Azurite of our own (<see cref="AzuriteServer"/>) as an xunit fixture: in memory, on
/// loopback, on free ports chosen at <see cref="InitializeAsync"/>; stopped with the fixture.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    private readonly AzuriteServer _server;

    /// <summary>In memory: a restart starts empty.</summary>
    public Azurite()
        : this(AzuriteServer.InMemory())
    {
    }

    private Azurite(AzuriteServer server) => _server = server;

    /// <summary>On the ports <c>UseDevelopmentStorage=true</c> means (10000-10002), in memory. Start it with <see cref="StartAsync"/>.</summary>
    public static Azurite OnDevelopmentPorts() => new(AzuriteServer.OnDevelopmentPorts());

    /// <summary>Keeps its data on disk (a temporary folder), so a restart finds it again.</summary>
    public static Azurite Persistent() => new(AzuriteServer.Persistent());

    public int BlobPort => _server.BlobPort;
    public int QueuePort => _server.QueuePort;
    public int TablePort => _server.TablePort;

    public string ConnectionString => _server.ConnectionString;

    public async Task InitializeAsync()
    {
        _server.UseFreePorts();
        await _server.StartAsync();
    }

    /// <summary>Starts (or restarts, after <see cref="StopAsync"/>) Azurite on the same ports. In memory: a restart starts empty.</summary>
    public Task StartAsync() => _server.StartAsync();

    /// <summary>Stops Azurite: gracefully (SIGINT, so a persistent one saves its data), killed if it does not stop in time.</summary>
    public Task StopAsync() => _server.StopAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static int FreePort() => LoopbackPorts.Free();

    public static Task<bool> IsListeningAsync(int port) => LoopbackPorts.IsListeningAsync(port);
}
