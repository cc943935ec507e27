using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Messenger.Tests;

/// <summary>A real SignalR client on the test server's WebSocket that records every event it receives.</summary>
public sealed class HubClient : IAsyncDisposable
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(10);
    private static readonly string[] EventNames = typeof(IChatClient).GetMethods().Select(m => m.Name).ToArray();
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _events = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubClient(HubConnection connection) => Connection = connection;

    public HubConnection Connection { get; }

    public static HubConnection Build(string? accessToken, Uri? server = null) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(server ?? Testing.ServerAddress, "/hubs/chat"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult(accessToken);
            })
            .Build();

    /// <summary>Connects to the suite's service, or to <paramref name="server"/>.</summary>
    public static async Task<HubClient> ConnectAsync(string accessToken, Uri? server = null)
    {
        var client = new HubClient(Build(accessToken, server));
        foreach (var name in EventNames)
            client.Connection.On<JsonElement>(name, payload => client.Channel(name).Writer.TryWrite(payload));
        client.Connection.Closed += _ =>
        {
            client._closed.TrySetResult();
            return Task.CompletedTask;
        };
        await client.Connection.StartAsync();
        await client.WaitUntilSetUpAsync();
        return client;
    }

    /// <summary>
    /// StartAsync returns at the handshake, before the server's OnConnectedAsync has put the
    /// connection into its rooms' groups, so an event sent right away could miss it. The server
    /// answers invocations only once OnConnectedAsync has finished: any answer, here the refusal
    /// of a method that does not exist, means the connection now hears everything it should.
    /// </summary>
    private async Task WaitUntilSetUpAsync()
    {
        try
        {
            await Connection.InvokeAsync("NoSuchMethod");
        }
        // A failed OnConnectedAsync closes the connection, and the client fails the pending call
        // with a HubException too: that one is no answer.
        catch (HubException e) when (!e.Message.StartsWith("The server closed the connection", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>The next <paramref name="eventName"/> event, or a failure after 10 s.</summary>
    public async Task<T> NextAsync<T>(string eventName)
    {
        using var timeout = new CancellationTokenSource(EventTimeout);
        try
        {
            var payload = await Channel(eventName).Reader.ReadAsync(timeout.Token);
            return payload.Deserialize<T>(JsonSerializerOptions.Web)!;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"No {eventName} event arrived within {EventTimeout.TotalSeconds} s.");
            throw;
        }
    }

    /// <summary>The next <paramref name="eventName"/> event; throws OperationCanceledException when <paramref name="cancellationToken"/> fires first.</summary>
    public async Task<T?> NextOrNullAsync<T>(string eventName, CancellationToken cancellationToken) =>
        (await Channel(eventName).Reader.ReadAsync(cancellationToken)).Deserialize<T>(JsonSerializerOptions.Web);

    /// <summary>
    /// Asserts that no <paramref name="eventName"/> arrived. Callers first await an event that the
    /// server sends after the one that must not come, or give the server a moment.
    /// </summary>
    public async Task AssertNoEventAsync(string eventName, int settleMilliseconds = 300)
    {
        await Task.Delay(settleMilliseconds);
        Assert.That(Channel(eventName).Reader.TryRead(out var unexpected), Is.False, $"unexpected {eventName}: {unexpected}");
    }

    /// <summary>Every <paramref name="eventName"/> event that arrived, once no new one has come for <paramref name="settleMilliseconds"/>.</summary>
    public async Task<IReadOnlyList<T>> AllAsync<T>(string eventName, int settleMilliseconds = 500)
    {
        var all = new List<T>();
        while (true)
        {
            using var settle = new CancellationTokenSource(settleMilliseconds);
            try
            {
                all.Add((await Channel(eventName).Reader.ReadAsync(settle.Token)).Deserialize<T>(JsonSerializerOptions.Web)!);
            }
            catch (OperationCanceledException)
            {
                return all;
            }
        }
    }

    public Task InvokeAsync(string method, object argument) => Connection.InvokeAsync(method, argument);

    public Task<T> InvokeAsync<T>(string method, object argument) => Connection.InvokeAsync<T>(method, argument);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    private Channel<JsonElement> Channel(string name) => _events.GetOrAdd(name, _ => System.Threading.Channels.Channel.CreateUnbounded<JsonElement>());

    /// <summary>Asserts that the server closes this connection within 10 s.</summary>
    public async Task AssertClosedByServerAsync()
    {
        var closed = await Task.WhenAny(_closed.Task, Task.Delay(EventTimeout)) == _closed.Task;
        Assert.That(closed, Is.True, "the server did not close the connection");
    }

    public bool IsOpen => Connection.State == HubConnectionState.Connected;
}
