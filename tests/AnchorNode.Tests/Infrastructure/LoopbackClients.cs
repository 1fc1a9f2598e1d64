using System.Net;
using System.Net.Sockets;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// HTTP clients whose connections come from a chosen loopback address (all of 127/8 is this
/// machine), so that one process can be several clients to a node that budgets per address.
/// Also linked into the benchmarks.
/// </summary>
public static class LoopbackClients
{
    /// <summary>A client of <paramref name="baseAddress"/> connecting from <paramref name="local"/>, on at most <paramref name="connections"/> connections.</summary>
    public static HttpClient From(Uri baseAddress, IPAddress local, int connections = int.MaxValue) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
}
