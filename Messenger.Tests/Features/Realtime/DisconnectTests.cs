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
}
