using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Messenger.Features.Messages;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Observability;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>A client that stops reading its socket must slow no one else down, and is closed once it falls too far behind.</summary>
public sealed class OutboundBufferTests : TestBase
{
    private const int Messages = 2000;

    [Test]
    public async Task A_client_that_stops_reading_is_closed_and_holds_up_no_one_else()
    {
        await using var service = new OwnService(new Dictionary<string, string?>
        {
            ["Messages:SendBurst"] = "1000000",
            ["Realtime:MaxBufferedBytesPerConnection"] = (256 * 1024).ToString(),
        });
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var stalled = await RegisterAsync("stalled");
        var room = await CreateRoomAsync(alice, "busy");
        foreach (var member in new[] { bob, carol, stalled })
            await SendAsync(new JoinRoom.Command(member.User.Id, room.Id));
        await using var aliceTab = await service.ConnectAsync(alice.AccessToken);
        await using var bobTab = await service.ConnectAsync(bob.AccessToken);
        await using var carolTab = await service.ConnectAsync(carol.AccessToken);
        using var reader = await StalledReader.ConnectAsync(service.Address, stalled.AccessToken);
        var closedBefore = ChatMetrics.ConnectionsClosedSlow.Value;

        // 2,000 long messages from alice over the hub and bob over REST, 16 at a time, while
        // readiness is asked throughout.
        var body = new string('x', MessagesAccess.MaxBodyLength);
        var bobClient = service.Client(bob.AccessToken);
        var sent = new ConcurrentBag<long>();
        var slowest = TimeSpan.Zero;
        var readiness = new ConcurrentBag<HttpStatusCode>();
        using var flooding = new CancellationTokenSource();
        var probe = Task.Run(async () =>
        {
            var anonymous = service.Client();
            while (!flooding.IsCancellationRequested)
            {
                readiness.Add((await anonymous.GetAsync("/health/ready")).StatusCode);
                await Task.Delay(50);
            }
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var clock = Stopwatch.StartNew();
            Message message;
            if (i % 2 == 0)
            {
                message = await aliceTab.InvokeAsync<Message>("SendRoomMessage", new { roomId = room.Id, body, clientMessageId = $"a{i}" });
            }
            else
            {
                var response = await bobClient.PostAsJsonAsync($"/rooms/{room.Id}/messages", new { body, clientMessageId = $"b{i}" });
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
                message = (await response.Content.ReadFromJsonAsync<Message>())!;
            }
            sent.Add(message.Id);
            lock (sent)
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        });
        await flooding.CancelAsync();
        await probe;

        // Without the buffer the sends waited on the stalled socket until the server gave up on it,
        // about 10 s here; with it the slowest took well under a second. 5 s tells the two apart.
        Assert.That(slowest, Is.LessThan(TimeSpan.FromSeconds(5)), "a send waited on the client that stopped reading");
        Assert.That(readiness, Is.All.EqualTo(HttpStatusCode.OK));
        foreach (var tab in new[] { aliceTab, bobTab, carolTab })
        {
            var versions = new List<long>();
            var ids = new HashSet<long>();
            for (var i = 0; i < Messages; i++)
            {
                var received = await tab.NextAsync<Message>("MessageReceived");
                versions.Add(received.Version);
                ids.Add(received.Id);
            }
            Assert.That(versions, Is.Ordered.Ascending.And.Unique, "each connection gets the room's messages in version order");
            Assert.That(ids, Is.EquivalentTo(sent));
        }
        Assert.That(await reader.ReadUntilClosedAsync(), Is.LessThan(Messages), "the stalled connection was closed before it was sent everything");
        Assert.That(ChatMetrics.ConnectionsClosedSlow.Value, Is.GreaterThan(closedBefore), "the close is counted");
    }

    /// <summary>
    /// Completes the SignalR handshake over a raw WebSocket, waits until the server has set the
    /// connection up, then reads nothing more until asked. Its receive buffer is small so that
    /// the server's side backs up soon.
    /// </summary>
    private sealed class StalledReader(ClientWebSocket socket) : IDisposable
    {
        private const char RecordSeparator = '\u001e';

        public static async Task<StalledReader> ConnectAsync(Uri server, string accessToken)
        {
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                    await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(tcp, ownsSocket: true);
                },
            };
            var socket = new ClientWebSocket();
            var uri = new UriBuilder(server) { Scheme = "ws", Path = "/hubs/chat", Query = $"access_token={accessToken}" }.Uri;
            await socket.ConnectAsync(uri, new HttpMessageInvoker(handler), CancellationToken.None);
            var reader = new StalledReader(socket);
            await reader.SendAsync("""{"protocol":"json","version":1}""");
            await reader.ReadFrameAsync();
            // As in HubClient: the answer to any invocation means the connection is in its rooms' groups.
            await reader.SendAsync("""{"type":1,"invocationId":"1","target":"NoSuchMethod","arguments":[]}""");
            while (!(await reader.ReadFrameAsync()).Contains("\"type\":3"))
            {
            }
            return reader;
        }

        /// <summary>Reads on until the server closes the socket, and counts the MessageReceived events it got.</summary>
        public async Task<int> ReadUntilClosedAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var count = 0;
            try
            {
                while (true)
                {
                    var frame = await ReadFrameAsync(timeout.Token);
                    count += frame.Split(RecordSeparator).Count(m => m.Contains("\"target\":\"MessageReceived\""));
                }
            }
            catch (Exception e) when (e is WebSocketException or EndOfStreamException or IOException)
            {
                return count;
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("the server did not close the stalled connection");
                throw;
            }
        }

        private Task SendAsync(string message) =>
            socket.SendAsync(Encoding.UTF8.GetBytes(message + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

        private async Task<string> ReadFrameAsync(CancellationToken cancellationToken = default)
        {
            var buffer = new byte[64 * 1024];
            var text = new StringBuilder();
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                    throw new EndOfStreamException("closed by the server");
                text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
                if (result.EndOfMessage)
                    return text.ToString();
            }
        }

        public void Dispose() => socket.Dispose();
    }
}
