using Messenger.Features.Rooms.JoinRoom;
using Messenger.Infrastructure.Realtime;
using Microsoft.AspNetCore.SignalR;
using static Messenger.Tests.Testing;

namespace Messenger.Tests.Features.Realtime;

public sealed class StopTypingTests : TestBase
{
    [Test]
    public async Task Stopping_reaches_every_connection_of_the_friend()
    {
        var (alice, bob) = await FriendsAsync("alice", "bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab1 = await HubClient.ConnectAsync(bob.AccessToken);
        await using var bobTab2 = await HubClient.ConnectAsync(bob.AccessToken);

        await aliceTab.InvokeAsync("StopTyping", new { toUserId = bob.User.Id });

        foreach (var tab in new[] { bobTab1, bobTab2 })
            Assert.That(await tab.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(null, alice.User.Id)));
        await aliceTab.AssertNoEventAsync("TypingStopped", settleMilliseconds: 0);
    }

    [Test]
    public async Task Stopping_towards_someone_who_is_not_a_friend_is_forbidden()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        await using var aliceTab = await HubClient.ConnectAsync(alice.AccessToken);

        var e = Assert.ThrowsAsync<HubException>(() => aliceTab.InvokeAsync("StopTyping", new { toUserId = bob.User.Id }));

        Assert.That(e!.Message, Does.StartWith("403 Forbidden"));
    }

    [Test]
    public async Task Stopping_in_a_room_reaches_the_other_participants_only()
    {
        var alice = await RegisterAsync("alice");
        var bob = await RegisterAsync("bob");
        var room = await CreateRoomAsync(alice, "General");
        await SendAsync(new JoinRoom.Command(bob.User.Id, room.Id));
        await using var aliceTab1 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var aliceTab2 = await HubClient.ConnectAsync(alice.AccessToken);
        await using var bobTab = await HubClient.ConnectAsync(bob.AccessToken);

        await aliceTab1.InvokeAsync("StopTyping", new { roomId = room.Id });

        Assert.That(await bobTab.NextAsync<TypingEvent>("TypingStopped"), Is.EqualTo(new TypingEvent(room.Id, alice.User.Id)));
        await aliceTab2.AssertNoEventAsync("TypingStopped");
        await aliceTab1.AssertNoEventAsync("TypingStopped", settleMilliseconds: 0);
    }
}
