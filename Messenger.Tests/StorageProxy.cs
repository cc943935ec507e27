using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Messenger.Tests;

/// <summary>
/// A TCP relay on a free port in front of a real store. While hung it accepts connections and
/// never answers on them, as a store that has locked up does; relayed connections open at that
/// moment are dropped, so nothing slips through on a pooled connection.
/// </summary>
public sealed class StorageProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<TcpClient, bool> _relayed = new();
    private readonly ConcurrentDictionary<TcpClient, bool> _held = new();
    private readonly Task _accepting;
    private volatile bool _hung;

    public StorageProxy(string upstream)
    {
        var parts = upstream.Split(':');
        (_upstreamHost, _upstreamPort) = (parts[0], int.Parse(parts[1]));
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Hang()
    {
        _hung = true;
        Close(_relayed);
    }

    public void Resume()
    {
        _hung = false;
        Close(_held);
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (_hung)
                _held[client] = true;
            else
                _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        _relayed[client] = true;
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stopping.Token);
            var down = client.GetStream();
            var up = upstream.GetStream();
            await Task.WhenAny(down.CopyToAsync(up, _stopping.Token), up.CopyToAsync(down, _stopping.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side went away; the relay ends with it.
        }
        finally
        {
            _relayed.TryRemove(client, out _);
            client.Dispose();
        }
    }

    private static void Close(ConcurrentDictionary<TcpClient, bool> clients)
    {
        foreach (var client in clients.Keys)
        {
            clients.TryRemove(client, out _);
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        Close(_relayed);
        Close(_held);
        _stopping.Dispose();
    }
}
