using Dapper;
using MySqlConnector;
using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Realtime;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Realtime;

public sealed class DisconnectTests : TestBase
{
    [Test]
    public async Task Closing_a_connection_while_typing_tells_the_others_typing_stopped()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id });
        await bobTab.NextAsync<TypingEvent>("TypingStarted");

        await aliceTab.DisposeAsync();

        Assert.That(await bobTab.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(null, alice.User.Id)));
    }

    [Test]
    public async Task Closing_a_connection_that_stopped_typing_sends_nothing_more()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await aliceTab.InvokeAsync("StartTyping", new { toUserId = bob.User.Id });
        await aliceTab.InvokeAsync("StopTyping", new { toUserId = bob.User.Id });
        await bobTab.NextAsync<TypingEvent>("TypingStopped");

        await aliceTab.DisposeAsync();

        await bobTab.NextAsync<PresenceChangedEvent>("PresenceChanged");
        await bobTab.AssertNoEventAsync("TypingStopped", settleMilliseconds: 0);
    }

    [Test]
    public async Task Closing_a_connection_while_typing_in_a_room_tells_the_room_typing_stopped()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
        await using var aliceOtherTab = await HubClient.ConnectAsync(alice.AccessToken);
        var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await aliceTab.InvokeAsync("StartTyping", new { roomId = room.Id });
        await bobTab.NextAsync<TypingEvent>("TypingStarted");

        await aliceTab.DisposeAsync();

        Assert.That(await bobTab.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(room.Id, alice.User.Id)));
        await aliceOtherTab.AssertNoEventAsync("TypingStopped", settleMilliseconds: 0);
    }

    [Test]
    public async Task Friends_see_a_user_who_reconnects_while_the_disconnect_is_announced_as_online_in_the_end()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var blocker = new MySqlConnection(ConnectionString);
        await blocker.OpenAsync();

        // Each round: the disconnect reads bob's friends, held up by a lock, while the reconnect
        // after it runs; both reads are let go at once. Without an order between the two, "offline"
        // came last in about half of the rounds.
        for (var round = 0; round < 6; round++)
        {
            var bobTab = await HubClient.ConnectAsync(bob.AccessToken);
            await aliceTab.AllAsync<PresenceChangedEvent>("PresenceChanged", settleMilliseconds: 200);
            await blocker.ExecuteAsync("LOCK TABLES friend_requests WRITE");
            await bobTab.DisposeAsync();
            await Task.Delay(200);
            var reconnect = HubClient.ConnectAsync(bob.AccessToken);
            await Task.Delay(200);
            await blocker.ExecuteAsync("UNLOCK TABLES");
            await using var again = await reconnect;

            var presence = await aliceTab.AllAsync<PresenceChangedEvent>("PresenceChanged");
            Assert.That(presence[^1], Is.EqualTo(new PresenceChangedEvent(bob.User.Id, Online: true)), $"round {round}: bob is connected");
        }
    }
}
