using System.Net;
using System.Net.Sockets;
using System.Text;
using Messenger.Features.Rooms.JoinRoom;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>A service of its own with a small per-user cap on requests in flight and the send limit out of the way.</summary>
public sealed class RequestsInFlightTests : TestBase
{
    private const int Cap = 4;
    private OwnService _service = null!;

    [OneTimeSetUp]
    public void StartService() => _service = new OwnService(new Dictionary<string, string?>
    {
        ["RateLimits:MaxRequestsInFlightPerUser"] = Cap.ToString(),
        ["Messages:SendBurst"] = "100000",
        // A pool a flood could drain quickly, and a short wait for it, as in production under load.
        ["ConnectionStrings:Messenger"] = ConnectionString + ";Maximum Pool Size=12;Connection Timeout=3",
    });

    [OneTimeTearDown]
    public async Task StopService() => await _service.DisposeAsync();

    [Test]
    public async Task A_user_at_the_cap_gets_429_over_rest_and_the_hub_while_another_user_and_readiness_are_served()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var held = new List<HeldRequest>();
        for (var i = 0; i < Cap; i++)
            held.Add(await HeldRequest.StartAsync(_service.Address, alice.AccessToken));
        using var aliceClient = _service.Client(alice.AccessToken);
        await using var aliceHub = await _service.ConnectHubAsync(alice.AccessToken);

        var refused = await UntilAsync(HttpStatusCode.TooManyRequests, () => aliceClient.GetAsync("/users/me"));
        var hubRefusal = Assert.ThrowsAsync<HubException>(() => aliceHub.InvokeAsync("DeleteMessage", new { messageId = 999999 }));
        var bobMe = await _service.Client(bob.AccessToken).GetAsync("/users/me");
        var ready = await _service.Client().GetAsync("/health/ready");

        await ReadProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(hubRefusal!.Message, Does.StartWith("429 Too Many Requests: "));
        Assert.That(bobMe.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK));

        held.ForEach(h => h.Dispose());
        var served = await UntilAsync(HttpStatusCode.OK, () => aliceClient.GetAsync("/users/me"));
        Assert.That(served.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the slots come back when the requests end");
    }

    [Test]
    public async Task One_user_flooding_a_room_gets_429s_not_503s_while_another_users_calls_and_readiness_stay_200()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(bob, "General");
        await SendAsync(new JoinRoom.Command(alice.User.Id, room.Id));
        using var aliceClient = _service.Client(alice.AccessToken);
        using var bobClient = _service.Client(bob.AccessToken);
        using var anonymous = _service.Client();

        var flood = Task.WhenAll(Enumerable.Range(0, 200)
            .Select(i => aliceClient.PostAsJsonAsync($"/rooms/{room.Id}/messages", new { body = $"flood {i}" })));
        var bobStatuses = new List<HttpStatusCode>();
        var readyStatuses = new List<HttpStatusCode>();
        while (!flood.IsCompleted || bobStatuses.Count < 5)
        {
            bobStatuses.Add((await bobClient.GetAsync("/users/me")).StatusCode);
            readyStatuses.Add((await anonymous.GetAsync("/health/ready")).StatusCode);
        }

        var floodStatuses = (await flood).Select(r => r.StatusCode).ToList();
        Assert.That(floodStatuses, Is.All.AnyOf(HttpStatusCode.Created, HttpStatusCode.TooManyRequests));
        Assert.That(floodStatuses, Has.Some.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(bobStatuses, Is.All.EqualTo(HttpStatusCode.OK));
        Assert.That(readyStatuses, Is.All.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>Calls until the answer has the status, or 10 s have passed: requests reach the service, and end, a moment later.</summary>
    private static async Task<HttpResponseMessage> UntilAsync(HttpStatusCode status, Func<Task<HttpResponseMessage>> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var response = await call();
            if (response.StatusCode == status || DateTime.UtcNow > deadline)
                return response;
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// A request whose body never finishes, written on a socket of its own (HttpClient here hands the
    /// service a request only once its body is complete): it stays in flight until disposed. The body
    /// trickles in JSON whitespace faster than Kestrel's minimum body data rate (240 bytes/s after a
    /// 5 s grace), which otherwise ends a stalled request on a slow machine before the test looks.
    /// </summary>
    private sealed class HeldRequest : IDisposable
    {
        private readonly TcpClient _socket = new();
        private readonly CancellationTokenSource _stop = new();

        public static async Task<HeldRequest> StartAsync(Uri service, string accessToken)
        {
            var request = new HeldRequest();
            await request._socket.ConnectAsync(service.Host, service.Port);
            var head = $"POST /friends/request HTTP/1.1\r\nHost: {service.Authority}\r\nAuthorization: Bearer {accessToken}\r\n" +
                       "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{";
            await request._socket.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
            _ = request.TrickleAsync();
            return request;
        }

        private async Task TrickleAsync()
        {
            var spaces = Encoding.ASCII.GetBytes(new string(' ', 100));
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    await _socket.GetStream().WriteAsync(spaces, _stop.Token);
                    await Task.Delay(100, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // Disposed: the request ends with its socket.
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
        }
    }
}
