using Messenger.Infrastructure.RateLimits;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Realtime;

public sealed class StartTypingTests : TestBase
{
    [Test]
    public async Task Typing_to_a_friend_reaches_their_connections_but_not_the_typists_own()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);

        await aliceTab1.InvokeAsync("StartTyping", new { toUserId = bob.User.Id });

        foreach (var tab in new[] { bobTab1, bobTab2 })
            Assert.That(await tab.NextAsync<TypingEvent>("TypingStarted"), Is.EqualTo(new TypingEvent(null, alice.User.Id)));
        await aliceTab2.AssertNoEventAsync("TypingStarted", settleMilliseconds: 0);
        await aliceTab1.AssertNoEventAsync("TypingStarted", settleMilliseconds: 0);

        await aliceTab1.InvokeAsync("StopTyping", new { toUserId = bob.User.Id });
        Assert.That(await bobTab1.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(null, alice.User.Id)));
    }

    [Test]
    public async Task Typing_to_someone_who_is_not_a_friend_is_forbidden()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id }));

        Assert.That(e!.Message, Does.StartWith($"403 Forbidden: user {bob.User.Id} is not your friend"));
        await bobTab.AssertNoEventAsync("TypingStarted");
    }

    [Test]
    public async Task A_typing_call_needs_exactly_one_target_and_the_error_names_the_field()
    {
        var alice = await RegisterAsync("alice");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var none = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("StartTyping", new { }));
        var both = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("StartTyping", new { roomId = 1, toUserId = 2 }));
        var self = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("StartTyping", new { toUserId = alice.User.Id }));

        Assert.That(none!.Message, Does.StartWith("400 Bad Request: toUserId: give exactly one of roomId and toUserId"));
        Assert.That(both!.Message, Does.StartWith("400 Bad Request: toUserId: give exactly one of roomId and toUserId"));
        Assert.That(self!.Message, Does.StartWith("400 Bad Request: toUserId: must not be yourself"));
    }

    [Test]
    public async Task Typing_in_a_room_reaches_the_other_participants_but_none_of_the_typists_connections()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var carol = await RegisterAsync("carol");
        var stranger = await RegisterAsync("stranger");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await SendAsync(new JoinRoom.Command(carol.User.Id, room.Id));
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var carolTab = await HubClient.ConnectAsync(carol.AccessToken);
        await using var strangerTab = await HubClient.ConnectAsync(stranger.AccessToken);

        await aliceTab1.InvokeAsync("StartTyping", new { roomId = room.Id });

        foreach (var tab in new[] { bobTab1, bobTab2, carolTab })
            Assert.That(await tab.NextAsync<TypingEvent>("TypingStarted"), Is.EqualTo(new TypingEvent(room.Id, alice.User.Id)));
        await aliceTab1.AssertNoEventAsync("TypingStarted");
        await aliceTab2.AssertNoEventAsync("TypingStarted", settleMilliseconds: 0);
        await strangerTab.AssertNoEventAsync("TypingStarted", settleMilliseconds: 0);
    }

    [Test]
    public async Task Typing_in_a_public_room_you_have_not_joined_is_forbidden()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("StartTyping", new { roomId = room.Id }));

        Assert.That(e!.Message, Is.EqualTo($"403 Forbidden: you are not a participant of room {room.Id}"));
        await aliceTab.AssertNoEventAsync("TypingStarted");
    }

    [Test]
    public async Task Typing_in_a_private_room_you_cannot_see_is_not_found()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "Secret", isPrivate: true);
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("StartTyping", new { roomId = room.Id }));
        var unknown = Assert.ThrowsAsync<HubException>(() => bobTab.InvokeAsync("StartTyping", new { roomId = 999_999 }));

        Assert.That(e!.Message, Does.StartWith("404 Not Found:"));
        Assert.That(unknown!.Message, Does.StartWith("404 Not Found:"));
        await aliceTab.AssertNoEventAsync("TypingStarted");
    }

    [Test]
    public async Task Typing_state_is_never_written_to_the_database()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        var before = await CountAllRowsAsync();
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id });
        await bobTab.NextAsync<TypingEvent>("TypingStarted");

        Assert.That(await CountAllRowsAsync(), Is.EqualTo(before));
    }

    private static async Task<long> CountAllRowsAsync()
    {
        var tables = await QueryAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()");
        return await QuerySingleAsync<long>(string.Join(" + ", tables.Select(t => $"(SELECT COUNT(*) FROM `{t}`)")).Insert(0, "SELECT "));
    }

    [Test]
    public async Task Typing_past_the_typing_rate_limit_is_429_and_the_room_hears_no_more()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        for (var i = 0; i < RateLimitTesting.Burst<RateLimitPolicies.Typing>(); i++)
            await aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id });
        var refused = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id }));

        Assert.That(refused!.Message, Does.StartWith("429 Too Many Requests: ").And.Contain(nameof(RateLimitPolicies.Typing)));
        for (var i = 0; i < RateLimitTesting.Burst<RateLimitPolicies.Typing>(); i++)
            await bobTab.NextAsync<TypingEvent>("TypingStarted");
        await bobTab.AssertNoEventAsync("TypingStarted");
    }
}
