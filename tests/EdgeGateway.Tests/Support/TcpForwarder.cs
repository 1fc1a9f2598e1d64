using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Tests.Support;

/// <summary>
/// A real TCP forwarder on a free loopback port to another loopback port: a second address for one
/// node, which a test can take away. <see cref="Stop"/> closes the listener and resets every open
/// connection (RST, as a node that died would leave them); <see cref="Start"/> listens again on the
/// same port.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly Lock _gate = new();
    private readonly List<Socket> _open = [];
    private readonly List<Task> _pumps = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private int _accepted;

    private TcpForwarder(int port, int targetPort)
    {
        Port = port;
        _targetPort = targetPort;
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    /// <summary>Connections accepted since the forwarder was made.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>A forwarder to 127.0.0.1:<paramref name="targetPort"/> on a free port, listening.</summary>
    public static TcpForwarder Start(int targetPort)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var forwarder = new TcpForwarder(((IPEndPoint)probe.LocalEndpoint).Port, targetPort);
        probe.Stop();
        forwarder.Start();
        return forwarder;
    }

    /// <summary>Listens (again) on <see cref="Port"/>.</summary>
    public void Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        lock (_gate)
        {
            _listener = listener;
        }
        _accepting = AcceptAsync(listener);
    }

    /// <summary>Stops listening and resets every connection under way.</summary>
    public async Task StopAsync()
    {
        Socket[] open;
        Task[] pumps;
        lock (_gate)
        {
            _listener?.Stop();
            _listener = null;
            open = [.. _open];
            _open.Clear();
            pumps = [.. _pumps];
            _pumps.Clear();
        }
        foreach (var socket in open)
        {
            Reset(socket);
        }
        await _accepting;
        await Task.WhenAll(pumps).WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            lock (_gate)
            {
                if (!ReferenceEquals(_listener, listener))
                {
                    Reset(client);
                    return;
                }
                _open.Add(client);
                _pumps.Add(ForwardAsync(client));
            }
        }
    }

    private async Task ForwardAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (_gate)
        {
            _open.Add(upstream);
        }
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort);
            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // Reset by Stop, or by either side.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
            client.Dispose();
            upstream.Dispose();
        }
    }

    // Copies one direction until its end, then half-closes the other side as the peer did.
    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
            {
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None);
                }
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Reset(from);
            Reset(to);
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            // Linger 0: close sends RST, not FIN, and leaves no TIME_WAIT on the port.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
