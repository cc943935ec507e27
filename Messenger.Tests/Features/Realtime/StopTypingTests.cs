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
}
