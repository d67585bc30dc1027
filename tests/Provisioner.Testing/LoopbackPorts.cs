using System.Net;
using System.Net.Sockets;

namespace Provisioner.Testing;

/// <summary>Ports on 127.0.0.1: a free one to listen on, and whether something listens on one.</summary>
public static class LoopbackPorts
{
    /// <summary>A port the OS just handed out and released: free unless someone takes it in between.</summary>
    public static int Free()
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
