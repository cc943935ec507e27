using System.Net.Http.Json;
using Messenger.Features.Conversations.ListConversations;
using Messenger.Features.Friends;
using Messenger.Features.Messages;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Realtime;
using StackExchange.Redis;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Infrastructure;

/// <summary>
/// Two instances of the service on different ports, sharing the suite's database and a Redis,
/// behaving as one. Each test's keys and channels start with a prefix of their own (the test
/// database's name and a fresh id), so runs sharing a Redis never see each other.
/// </summary>
public sealed class ScaleOutTests : TestBase
{
    private static Dictionary<string, string?> Cluster(string redis, string prefix, IReadOnlyDictionary<string, string?>? changes = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = redis,
            ["Redis:Prefix"] = prefix,
            // The sweep bound is four intervals: 4 s here, 20 s by default.
            ["Redis:SweepIntervalSeconds"] = "1",
        };
        foreach (var (key, value) in changes ?? new Dictionary<string, string?>())
            settings[key] = value;
        return settings;
    }

    private string _prefix = "";

    [SetUp]
    public void NewPrefix() => _prefix = $"{Environment.GetEnvironmentVariable("MESSENGER_TEST_DATABASE") ?? "messenger_test"}:{Guid.NewGuid():N}";

    /// <summary>What the test's instances left in the shared Redis (the list of instances, throttle windows) goes with it.</summary>
    [TearDown]
    public async Task ForgetKeysAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisProcess.Shared);
        foreach (var server in redis.GetServers())
            await foreach (var key in server.KeysAsync(pattern: _prefix + ":*"))
                await redis.GetDatabase().KeyDeleteAsync(key);
    }

    private (OwnService A, OwnService B) TwoInstances(string redis, IReadOnlyDictionary<string, string?>? changes = null)
    {
        var settings = Cluster(redis, _prefix, changes);
        return (new OwnService(settings), new OwnService(settings));
    }

    [Test]
    public async Task A_message_sent_through_one_instance_reaches_every_connection_of_every_participant_on_both()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var room = await CreateRoomAsync(alice, "general");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        var (a, b) = TwoInstances(RedisProcess.Shared);
        await using var _ = a;
        await using var __ = b;
        await using var aliceOnA = await a.ConnectAsync(alice.AccessToken);
        await using var aliceOnB = await b.ConnectAsync(alice.AccessToken);
        await using var bobOnA = await a.ConnectAsync(bob.AccessToken);
        await using var bobOnB = await b.ConnectAsync(bob.AccessToken);
        HubClient[] everyone = [aliceOnA, aliceOnB, bobOnA, bobOnB];

        var inRoom = await aliceOnA.InvokeAsync<Message>("SendRoomMessage", new { roomId = room.Id, body = "hello room" });
        using var bobHttpOnB = b.Client(bob.AccessToken);
        var direct = await (await bobHttpOnB.PostAsJsonAsync($"/friends/{alice.User.Id}/messages", new { body = "hello alice" }))
            .Content.ReadFromJsonAsync<Message>();

        foreach (var connection in everyone)
        {
            Assert.That((await connection.NextAsync<Message>("MessageReceived")).Id, Is.EqualTo(inRoom.Id));
            Assert.That((await connection.NextAsync<Message>("MessageReceived")).Id, Is.EqualTo(direct!.Id));
        }
    }

    [Test]
    public async Task Presence_and_typing_cross_instances_and_presence_changes_once_for_all_of_them()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (a, b) = TwoInstances(RedisProcess.Shared);
        await using var _ = a;
        await using var __ = b;
        await using var aliceOnA = await a.ConnectAsync(alice.AccessToken);

        var bobOnB = await b.ConnectAsync(bob.AccessToken);
        Assert.That(await aliceOnA.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(bob.User.Id, true)));
        var bobOnA = await a.ConnectAsync(bob.AccessToken);
        using var aliceHttpOnB = b.Client(alice.AccessToken);
        var friends = await aliceHttpOnB.GetFromJsonAsync<List<Friend>>("/friends");
        Assert.That(friends!.Single().Online, Is.True, "B sees the connections A holds");

        await bobOnB.InvokeAsync("StartTyping", new { toUserId = alice.User.Id });
        Assert.That(await aliceOnA.NextAsync<TypingEvent>("TypingStarted"), Is.EqualTo(new TypingEvent(null, bob.User.Id)));
        await bobOnB.DisposeAsync();
        Assert.That(await aliceOnA.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(null, bob.User.Id)),
            "the connection on B closed while typing");
        await aliceOnA.AssertNoEventAsync("PresenceChanged");

        await bobOnA.DisposeAsync();
        Assert.That(await aliceOnA.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(bob.User.Id, false)));
        await aliceOnA.AssertNoEventAsync("PresenceChanged");
    }

    [Test]
    public async Task Logout_on_one_instance_closes_the_sessions_sockets_on_the_other()
    {
        var alice = await RegisterAsync("alice");
        var other = await LoginAsync("alice");
        var (a, b) = TwoInstances(RedisProcess.Shared);
        await using var _ = a;
        await using var __ = b;
        await using var onB = await b.ConnectAsync(alice.AccessToken);
        await using var otherSessionOnB = await b.ConnectAsync(other.AccessToken);

        using var http = a.Client();
        var response = await http.PostAsJsonAsync("/auth/logout", new { refreshToken = alice.RefreshToken });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        await onB.AssertClosedByServerAsync();
        Assert.That(otherSessionOnB.IsOpen, Is.True, "another session of the same user stays");
    }

    [Test]
    public async Task A_send_burst_split_over_two_instances_is_held_to_one_limit()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var (a, b) = TwoInstances(RedisProcess.Shared, new Dictionary<string, string?>
        {
            ["Messages:SendBurst"] = "6",
            // A window so long that no token comes back during the test.
            ["Messages:SendWindowSeconds"] = "86400",
        });
        await using var _ = a;
        await using var __ = b;
        using var onA = a.Client(alice.AccessToken);
        using var onB = b.Client(alice.AccessToken);

        var sends = Enumerable.Range(0, 12).Select(i =>
            (i % 2 == 0 ? onA : onB).PostAsJsonAsync($"/friends/{bob.User.Id}/messages", new { body = $"message {i}" }));
        var statuses = (await Task.WhenAll(sends)).Select(r => r.StatusCode).ToList();

        Assert.That(statuses.Count(s => s == HttpStatusCode.Created), Is.EqualTo(6));
        Assert.That(statuses.Count(s => s == HttpStatusCode.TooManyRequests), Is.EqualTo(6));
    }

    [Test]
    public async Task Wrong_passwords_split_over_two_instances_meet_one_login_limit()
    {
        await RegisterAsync("alice");
        var (a, b) = TwoInstances(RedisProcess.Shared, new Dictionary<string, string?> { ["LoginThrottle:MaxFailuresPerLogin"] = "4" });
        await using var _ = a;
        await using var __ = b;
        using var onA = a.Client();
        using var onB = b.Client();

        var attempts = Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? onA : onB).PostAsJsonAsync("/auth/login", new { login = "alice", password = "wrong password" }));
        var statuses = (await Task.WhenAll(attempts)).Select(r => r.StatusCode).ToList();

        Assert.That(statuses.Count(s => s == HttpStatusCode.Unauthorized), Is.EqualTo(4));
        Assert.That(statuses.Count(s => s == HttpStatusCode.TooManyRequests), Is.EqualTo(4));
    }

    [Test]
    public async Task The_users_of_an_instance_stopped_hard_are_shown_offline_within_the_bound()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var settings = Cluster(RedisProcess.Shared, _prefix);
        await using var a = new OwnService(settings);
        await using var b = await ServiceProcess.StartAsync(settings);
        await using var aliceOnA = await a.ConnectAsync(alice.AccessToken);
        await using var bobOnB = await HubClient.ConnectAsync(bob.AccessToken, b.Address);
        await bobOnB.InvokeAsync("StartTyping", new { toUserId = alice.User.Id });
        Assert.That(await aliceOnA.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(bob.User.Id, true)));
        Assert.That(await aliceOnA.NextAsync<TypingEvent>("TypingStarted"), Is.EqualTo(new TypingEvent(null, bob.User.Id)));

        var killed = DateTime.UtcNow;
        b.Kill();

        // NextAsync waits up to 10 s; the bound at a 1 s interval is 4 s.
        Assert.That(await aliceOnA.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(null, bob.User.Id)));
        Assert.That(await aliceOnA.NextAsync<PresenceChangedEvent>("PresenceChanged"), Is.EqualTo(new PresenceChangedEvent(bob.User.Id, false)));
        Assert.That(DateTime.UtcNow - killed, Is.LessThan(TimeSpan.FromSeconds(4) + TimeSpan.FromSeconds(2)));
        using var aliceHttp = a.Client(alice.AccessToken);
        Assert.That((await aliceHttp.GetFromJsonAsync<List<Friend>>("/friends"))!.Single().Online, Is.False);
    }

    [Test]
    public async Task After_Redis_restarts_delivery_resumes_by_itself_and_catch_up_returns_what_was_missed()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        using var redis = new RedisProcess();
        await redis.StartAsync();
        var (a, b) = TwoInstances(redis.Configuration);
        await using var _ = a;
        await using var __ = b;
        await using var bobOnB = await b.ConnectAsync(bob.AccessToken);
        using var aliceOnA = a.Client(alice.AccessToken);
        using var bobHttpOnB = b.Client(bob.AccessToken);
        var before = await PostMessageAsync(aliceOnA, bob, "before");
        Assert.That((await bobOnB.NextAsync<Message>("MessageReceived")).Id, Is.EqualTo(before.Id));

        redis.Kill();
        var missed = await PostMessageAsync(aliceOnA, bob, "while Redis is down");
        Assert.That((await b.Client().GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.CatchAsync(async () => await b.ConnectAsync(bob.AccessToken), "a new hub connection is refused while Redis is down");
        Assert.That(bobOnB.IsOpen, Is.True, "an open one stays");
        await redis.StartAsync();

        // The multiplexers reconnect and resubscribe on their own; keep sending until one arrives.
        Message? delivered = null;
        for (var attempt = 0; attempt < 60 && delivered is null; attempt++)
        {
            var sent = await PostMessageAsync(aliceOnA, bob, $"after {attempt}");
            try
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                while (delivered is null)
                    if (await bobOnB.NextOrNullAsync<Message>("MessageReceived", wait.Token) is { } message && message.Id == sent.Id)
                        delivered = message;
            }
            catch (OperationCanceledException)
            {
            }
        }
        Assert.That(delivered, Is.Not.Null, "delivery resumed without restarting either instance");
        Assert.That(bobOnB.IsOpen, Is.True);

        var conversation = (await bobHttpOnB.GetFromJsonAsync<List<Conversation>>("/conversations"))!.Single();
        Assert.That(conversation.Version, Is.GreaterThanOrEqualTo(delivered!.Version));
        var page = await bobHttpOnB.GetFromJsonAsync<MessagePage>($"/friends/{alice.User.Id}/messages?since={before.Version}");
        Assert.That(page!.Items.Select(m => m.Id), Does.Contain(missed.Id), "the message sent while Redis was down");
        Assert.That((await b.Client().GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private static async Task<Message> PostMessageAsync(HttpClient from, Messenger.Features.Auth.AuthResponse to, string body)
    {
        var response = await from.PostAsJsonAsync($"/friends/{to.User.Id}/messages", new { body });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Message>())!;
    }
}
